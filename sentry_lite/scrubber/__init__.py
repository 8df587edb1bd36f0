"""What counts as sensitive and how it is masked: :class:`EventScrubber`.

Secrets are masked twice over, on the calling thread, before anything is
serialized (docs/privacy.md says it for users):

- by **key name**: the value of a dict key, local variable, header, tag,
  cookie ... whose name holds a denylisted word (``db_password``,
  ``X-Api-Key``, ``apiKey``) becomes ``"[Filtered]"``;
- by **value pattern**: inside any string, what looks like a secret (JWTs,
  AWS keys, GitHub/GitLab/Slack/Stripe/Hugging Face/Twilio tokens,
  ``Bearer``/``Basic`` credentials, PEM private keys, URL passwords and
  signatures, ``password=...`` and ``--password ...`` pairs, card numbers
  that pass the Luhn check) is replaced by ``[Filtered]``, the rest of the
  string kept. A frame's source lines are read as one block and as code
  (``password=password`` passes a name on; a key spans lines).

Where it runs: event building applies both rules to every value it makes
safe (frame locals, extra, breadcrumbs, log messages and arguments,
exception messages), before a string is cut to ``max_value_length``; then
the pipeline's step 4 runs :meth:`EventScrubber.scrub_event` on what event
processors added and on the parts not built by the SDK, before
``before_send``.

    _keys.py      key names split into words; the denylists; strict locals
    _patterns.py  value patterns, with cheap tests before each family
    _pairs.py     name=value pairs (and =>, --name value, ('name', 'value'))
    _tokens.py    tokens by shape: vendor prefixes, JWTs, AWS keys, cards
    _source.py    private keys over source lines
    _luhn.py      card numbers
    _data.py      nested dicts and lists, scrubbed in place
    _event.py     EventScrubber: the options, the rules, scrub_event
    _parts.py     the event part by part (request, user, contexts, frames...)
    _option.py    the event_scrubber option made into a scrubber

The masking marks and the command-line flag rule are shared with event
building: ``sentry_lite/_masking.py``.
"""

from __future__ import annotations

from sentry_lite._masking import FILTERED
from sentry_lite.scrubber._event import EventScrubber
from sentry_lite.scrubber._keys import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST

__all__ = ["DEFAULT_DENYLIST", "DEFAULT_PII_DENYLIST", "FILTERED", "EventScrubber"]
