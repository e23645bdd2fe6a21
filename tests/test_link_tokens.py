"""The one token helper behind the mother's and the provider's links."""

from types import SimpleNamespace

from common import link_tokens


def row():
    return link_tokens.seal("provider-link", SimpleNamespace(code="c0de", nonce="", token_hash=""))


def test_a_token_opens_only_its_own_kind_of_link(settings):
    link = row()
    token = link_tokens.token_for("provider-link", link)
    assert link_tokens.digest(token) == link.token_hash and len(token) == 32
    assert link_tokens.derive("invitation", link) != token  # a provider token is never a mother's, or back
    assert token not in link.token_hash and link.nonce not in token  # only the digest is stored


def test_after_a_key_rotation_the_link_she_holds_still_works_until_the_old_key_goes(settings):
    link = row()
    before = link_tokens.token_for("provider-link", link)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    assert link_tokens.token_for("provider-link", link) == before
    settings.SECRET_KEY_FALLBACKS = []
    assert link_tokens.digest(link_tokens.token_for("provider-link", link)) != link.token_hash  # a dead link
