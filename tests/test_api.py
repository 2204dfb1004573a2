"""The curated top-level API resolves every advertised name."""

from __future__ import annotations

import kl_mobility


def test_every_public_name_resolves():
    for name in kl_mobility.__all__:
        assert getattr(kl_mobility, name) is not None, name


def test_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no_such_thing"):
        kl_mobility.no_such_thing  # noqa: B018
