"""Settings from the environment, read once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

# The embedded default: SQLite beside the process, nothing to install.
DEFAULT_DATABASE_URL = "sqlite:///./tandem.db"


@dataclass(frozen=True, slots=True)
class Config:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 3978
    log_level: str = "INFO"
    playground: bool = True
    run_scheduler: bool = True
    # Signs calendar-invite links; generated once and kept in the database when unset.
    secret: str = ""
    # Where people's browsers reach Tandem (calendar links); defaults to http://localhost:PORT.
    public_url: str = ""
    dispatch_interval_seconds: float = 1.0
    delivery_concurrency: int = 8
    delivery_lease_seconds: int = 60
    slack_bot_token: str = ""
    slack_app_token: str = ""
    slack_signing_secret: str = ""
    slack_client_id: str = ""
    slack_client_secret: str = ""
    slack_api_url: str = ""
    slack_workspace_budget_per_minute: int = 100
    teams_app_id: str = ""
    teams_app_password: str = ""
    teams_tenant_id: str = ""
    teams_app_type: str = "MultiTenant"
    teams_app_budget_per_second: int = 50
    # The part of each budget kept for replies to a person's own action (bot/core/budget.py).
    reply_share: float = 0.3
    # Replicas share their send budgets through Redis here, else through PostgreSQL.
    redis_url: str = ""
    # TANDEM_TEAMS=on serves /api/messages without an app id (the SDK's local development
    # mode, for the Bot Framework Emulator and tests).
    teams_local: bool = False

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token or self.slack_client_id or self.slack_app_token)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id) or self.teams_local

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        slack_or_teams = any(
            env.get(name)
            for name in (
                "SLACK_BOT_TOKEN",
                "SLACK_APP_TOKEN",
                "SLACK_CLIENT_ID",
                "MICROSOFT_APP_ID",
            )
        )
        playground_setting = env.get("TANDEM_PLAYGROUND", "auto").lower()
        # The playground lets anyone act as anyone, so it is off next to a real platform
        # unless someone switches it on deliberately.
        playground = (
            playground_setting in ("1", "true", "on", "yes")
            if playground_setting != "auto"
            else not slack_or_teams
        )
        return cls(
            database_url=env.get("TANDEM_DATABASE_URL", DEFAULT_DATABASE_URL),
            host=env.get("HOST", "127.0.0.1" if playground else "0.0.0.0"),
            port=int(env.get("PORT", "3978")),
            log_level=env.get("TANDEM_LOG_LEVEL", "INFO").upper(),
            secret=env.get("TANDEM_SECRET", ""),
            public_url=env.get("TANDEM_PUBLIC_URL", "").rstrip("/"),
            playground=playground,
            run_scheduler=env.get("TANDEM_SCHEDULER", "on").lower()
            not in ("0", "off", "false", "no"),
            dispatch_interval_seconds=float(env.get("TANDEM_DISPATCH_INTERVAL_SECONDS", "1")),
            delivery_concurrency=int(env.get("TANDEM_DELIVERY_CONCURRENCY", "8")),
            delivery_lease_seconds=int(env.get("TANDEM_DELIVERY_LEASE_SECONDS", "60")),
            slack_bot_token=env.get("SLACK_BOT_TOKEN", ""),
            slack_app_token=env.get("SLACK_APP_TOKEN", ""),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            slack_client_id=env.get("SLACK_CLIENT_ID", ""),
            slack_client_secret=env.get("SLACK_CLIENT_SECRET", ""),
            slack_api_url=env.get("SLACK_API_URL", ""),
            slack_workspace_budget_per_minute=int(env.get("TANDEM_SLACK_BUDGET_PER_MINUTE", "100")),
            teams_app_id=env.get("MICROSOFT_APP_ID", ""),
            teams_app_password=env.get("MICROSOFT_APP_PASSWORD", ""),
            teams_tenant_id=env.get("MICROSOFT_APP_TENANT_ID", ""),
            teams_app_type=env.get("MICROSOFT_APP_TYPE", "MultiTenant"),
            teams_app_budget_per_second=int(env.get("TANDEM_TEAMS_BUDGET_PER_SECOND", "50")),
            reply_share=min(1.0, max(0.0, float(env.get("TANDEM_REPLY_SHARE", "0.3")))),
            redis_url=env.get("TANDEM_REDIS_URL", ""),
            teams_local=env.get("TANDEM_TEAMS", "").lower() in ("1", "true", "on", "yes"),
        )
