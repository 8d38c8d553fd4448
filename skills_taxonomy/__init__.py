"""ESCO taxonomy and the normalisation of free text (fr/ar/en/…) onto its concepts."""
