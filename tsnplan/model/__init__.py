"""The editable model (networkx graph + records) and its compilation into flat arrays."""
