"""The air-gapped single-node cluster, as an ordered list of components (see `components.COMPONENTS`).

Each component knows how to come up, say how it is, and go down; `cluster.py` is the command line over them.
Standard library only: it runs before any virtual environment exists.
"""
