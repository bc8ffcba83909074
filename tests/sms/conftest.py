import pytest


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the on-commit work (the event relay, then the SMS task) as a real commit would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run
