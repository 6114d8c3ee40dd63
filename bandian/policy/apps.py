from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "bandian.policy"
    label = "policy"

    def ready(self) -> None:
        # Validate on start-up: a broken policy stops every command and the server.
        from django.core.exceptions import ImproperlyConfigured

        from bandian.policy.loader import PolicyError, active_policy

        try:
            active_policy()
        except PolicyError as exc:
            raise ImproperlyConfigured(str(exc)) from exc
