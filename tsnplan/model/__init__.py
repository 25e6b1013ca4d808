"""The editable model (node/link records, ports, a networkx view on demand) and its compilation into flat arrays."""
