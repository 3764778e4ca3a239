"""The Web API: the method table, the dispatcher and one module per method family."""
