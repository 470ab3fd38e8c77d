"""Issue: the master template and each unit's copy."""
