"""The demo campaign: realistic returns and the whole pipeline run on them."""
