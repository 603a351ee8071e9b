"""Tokenizer and token stream shared by the MAESTRO model, hardware and dataflow parsers.

MAESTRO files are brace-delimited: words, numbers and the punctuation ``{ } ( ) : ; ,``.
``//`` line comments and ``/* */`` block comments are kept apart (the dataflow parser reads
them to cross-check the dataflow family); apostrophes inside comments (``//'``, a habit of
editors that highlight ``Y'``) are therefore harmless.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import NamedTuple

from terastal.errors import InputError

# One match per token (its leading white space captured, to count lines), one group per
# kind, so that ``findall`` returns one tuple per token, made in C. ``\Z`` takes white space
# at the end of the text in one match.
_TOKEN = re.compile(
    r"(\s*)(?:(//[^\n]*|/\*.*?\*/)"
    r"|([{}():;,])"
    r"|((?:[^\s{}():;,/]|/(?![/*]))+)"
    r"|(\S)|\Z)",
    re.S,
)


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file; a missing or unreadable file is an :class:`InputError`."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read file: {exc}", file=str(path)) from None


class Token(NamedTuple):
    """A word or punctuation mark with its 1-based line.

    A named tuple, not a dataclass: a scenario file has tens of thousands of tokens, and a
    tuple is made in a third of the time of a frozen dataclass (start-up of every command).
    """

    value: str
    line: int
    punct: bool = False


_make_token = partial(tuple.__new__, Token)


class Comment(NamedTuple):
    """A comment's text (without the markers) and its 1-based line."""

    text: str
    line: int


def tokenize(text: str, file: str) -> tuple[list[Token], list[Comment]]:
    """Split ``text`` into tokens and comments.

    Raises
    ------
    InputError
        On an unterminated block comment.
    """
    raw: list[tuple[str, int, bool]] = []  # made into Tokens at the end, in C (see Token)
    comments: list[Comment] = []
    line = 1
    for space, comment, punct, word, other in _TOKEN.findall(text):
        if space:
            line += space.count("\n")
        if word:
            raw.append((word, line, False))
        elif punct:
            raw.append((punct, line, True))
        elif comment:
            text_ = comment[2:-2] if comment.startswith("/*") else comment[2:]
            comments.append(Comment(text_, line))
            line += comment.count("\n")  # a block comment may span lines
        elif other == "/":
            raise InputError("unterminated '/*' comment", file=file, line=line)
        elif other:  # pragma: no cover - the word pattern accepts every other character
            raise InputError(f"unexpected character {other!r}", file=file, line=line)
    tokens = list(map(_make_token, raw))
    return tokens, comments


class TokenStream:
    """Cursor over tokens with error helpers that carry file and line."""

    def __init__(self, tokens: list[Token], file: str) -> None:
        self.tokens = tokens
        self.file = file
        self.pos = 0

    @property
    def last_line(self) -> int:
        """Line of the last token (for errors at end of file)."""
        return self.tokens[-1].line if self.tokens else 1

    def error(self, message: str, tok: Token | None = None, field: str | None = None) -> InputError:
        """Build an :class:`InputError` located at ``tok`` (or the current token)."""
        if tok is None:
            tok = self.peek()
        line = tok.line if tok is not None else self.last_line
        return InputError(message, file=self.file, line=line, field=field)

    def peek(self) -> Token | None:
        """The current token, or ``None`` at end of input."""
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    # at, next and accept run once or twice per token: they index the list themselves
    # instead of calling peek (a scenario file is parsed at the start of most commands).
    def at(self, value: str) -> bool:
        """Whether the current token is ``value`` (keywords compare case-insensitively)."""
        pos = self.pos
        return pos < len(self.tokens) and self.tokens[pos].value.lower() == value.lower()

    def next(self, what: str) -> Token:
        """Consume and return the current token; ``what`` names it in the end-of-file error."""
        pos = self.pos
        if pos >= len(self.tokens):
            raise InputError(
                f"unexpected end of file, expected {what}", file=self.file, line=self.last_line
            )
        self.pos = pos + 1
        return self.tokens[pos]

    def expect(self, value: str, context: str = "") -> Token:
        """Consume the token ``value`` or raise a located error."""
        tok = self.next(f"'{value}'")
        if tok.value.lower() != value.lower():
            where = f" {context}" if context else ""
            raise self.error(f"expected '{value}'{where}, found '{tok.value}'", tok)
        return tok

    def accept(self, value: str) -> bool:
        """Consume the token ``value`` if it is next."""
        pos = self.pos
        if pos < len(self.tokens) and self.tokens[pos].value.lower() == value.lower():
            self.pos = pos + 1
            return True
        return False

    def word(self, what: str) -> Token:
        """Consume a word (not punctuation)."""
        tok = self.next(what)
        if tok.punct:
            raise self.error(f"expected {what}, found '{tok.value}'", tok)
        return tok

    def number(self, field: str) -> tuple[float, Token]:
        """Consume a number."""
        tok = self.next(f"a number for {field}")
        try:
            value = float(tok.value)
        except ValueError:
            raise self.error(f"expected a number, found '{tok.value}'", tok, field) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise self.error(f"expected a finite number, found '{tok.value}'", tok, field)
        return value, tok

    def integer(self, field: str) -> tuple[int, Token]:
        """Consume an integer (``2``, ``+2`` or ``2.0`` are fine; ``2.5`` is not)."""
        tok = self.next(f"an integer for {field}")
        try:
            value = int(tok.value)
        except ValueError:
            try:
                f = float(tok.value)
            except ValueError:
                f = float("nan")
            if not f.is_integer():
                raise self.error(f"expected an integer, found '{tok.value}'", tok, field) from None
            value = int(f)
        return value, tok

    def key_values(self, context: str, field_prefix: str = "") -> list[tuple[str, int, Token]]:
        """Parse ``{ K: 1, C: 2, ... }`` (after the ``{``) up to and including the ``}``."""
        out: list[tuple[str, int, Token]] = []
        # Fast path over well-formed pairs (every layer of a scenario file has two of these
        # blocks): plain indexing instead of a method call per token. At the first token it
        # is not sure of, it hands over to the loop below from the start of that pair, so
        # values and errors are the loop's.
        toks, pos, n = self.tokens, self.pos, len(self.tokens)
        while pos + 3 < n:
            key, colon, value, sep = toks[pos], toks[pos + 1], toks[pos + 2], toks[pos + 3]
            if key.punct or colon.value != ":" or value.punct:
                break
            try:
                number = int(value.value)
            except ValueError:
                break
            out.append((key.value, number, key))
            if sep.value == "," or sep.value == ";":
                pos += 4
            elif sep.value == "}":
                pos += 3
                break
            else:
                del out[-1]
                break
        self.pos = pos
        while not self.accept("}"):
            key = self.word(f"a dimension name in {context}")
            self.expect(":", f"after '{key.value}' in {context}")
            value, _ = self.integer(f"{field_prefix}{key.value}")
            out.append((key.value, value, key))
            if not self.accept(",") and not self.accept(";") and not self.at("}"):
                tok = self.peek()
                found = f"'{tok.value}'" if tok is not None else "end of file"
                raise self.error(f"expected ',' or '}}' in {context}, found {found}")
        return out
