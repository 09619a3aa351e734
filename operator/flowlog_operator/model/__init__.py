"""Pydantic types of the FlowLog custom resource: the single source of its CRD schema."""
