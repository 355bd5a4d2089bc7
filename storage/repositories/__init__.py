"""Repositories: every method is scoped to the workspace the repository was built for."""
