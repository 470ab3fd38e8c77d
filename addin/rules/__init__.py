"""Rules: validating a return's values, identifying its unit, rule expressions, the templates' Excel checks."""
