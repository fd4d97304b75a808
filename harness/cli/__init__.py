"""The commands: `prunegen` (`main`) and one module per command (`generate`, `baseline`, `run`, `report`, `export`, `export_model`), their shared arguments (`args`)."""
