"""The discovery engine: an LLM searches for pruning scores that beat the human ones on held-out data.

One concept per module, as FunSearch's ``implementation/`` splits them:

* :mod:`.database`: islands of programs, behavioural de-duplication, reset of the weakest;
* :mod:`.sampler`: prompts from an island's best programs; rewrites or SEARCH/REPLACE edits;
* :mod:`.cascade`: the evaluator (static, probe model, one quick level, full fitness);
* :mod:`.tuning`: a program's named constants tuned on the fitness split before it is ranked;
* :mod:`.probe`: the tiny model behaviour is read on;
* :mod:`.loop`: the arms (discovery, state of the art), the best-of-N control, the finalists on test.

Programs are in the ``search`` form (prompts/search_system.j2, prompts/search_skeleton.py): a ``score``
that names the calibration statistics it uses. harness/run/evolve.py (whole programs, one idea at a time)
stays until this engine has replaced its reports.
"""
