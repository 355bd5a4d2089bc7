"""Fakes of remote services, run on 127.0.0.1 and driven by the real SDKs."""
