"""The quickstart app: ``scripts/demo`` runs it in-process (``python -m examples.quickstart``)."""
