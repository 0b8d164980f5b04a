"""The detector's vocabulary of figures, one YAML file per language (en.yaml, zh.yaml), validated at load.

Units with their spellings and dimension, currencies with the prefixes written before a number, scale words,
qualifiers before and after a number, blockers and idioms. ``load_lexicon`` merges the files into one ``Lexicon``;
extract/figures.py compiles each lexicon once into its scanners. A mistake is a ConfigError naming the file,
the key and the fix.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from extract.errors import ConfigError
from extract.yamlfile import read_yaml

__all__ = ["GAPS", "QUALIFIERS", "Lexicon", "UnitSpec", "default_lexicon", "load_lexicon"]

DEFAULT_DIR = Path(__file__).resolve().parent
DEFAULT_FILES = ("en.yaml", "zh.yaml")
GAPS = {"none": "", "space": r"\s?", "space_or_hyphen": r"[\s-]?"}
QUALIFIERS = ("at_least", "more_than", "about", "up_to")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_TOP_KEYS = {"currencies", "scales", "units", "dimensions", "qualifiers", "blockers", "idioms", "plans"}
_PLAN_KEYS = {"companies", "countries", "nationalities", "china", "next", "previous"}
_SCALE_KEYS = {"words", "after_currency", "before_currency", "currency_leads"}
_QUALIFIER_KEYS = {"before", "after", "odd", "verbs_before"}
_UNIT_KEYS = {"name", "dimension", "gap", "spellings", "patterns", "to_base"}


@dataclass(eq=False)
class UnitSpec:
    name: str
    dimension: str
    fragments: list[str] = field(default_factory=list)  # regex alternatives: spellings escaped, gap and word end added
    to_base: float | None = None  # times this is the value in the dimension's base unit: kW 1e-6 (GW)


@dataclass(eq=False)
class Lexicon:
    """Every language's vocabulary merged; compared by identity, so compiled scanners can be cached per lexicon."""

    units: list[UnitSpec] = field(default_factory=list)
    prefixes: dict[str, str] = field(default_factory=dict)  # 'US$' -> 'USD' (spaces dropped: 'U.S.$')
    scales: dict[str, float] = field(default_factory=dict)  # lower-cased word -> factor
    short_scales: dict[str, float] = field(default_factory=dict)  # only after a currency prefix: '$5bn'
    currency_scales: dict[str, float] = field(default_factory=dict)  # only before a currency: '2兆元'
    currency_leads: list[str] = field(default_factory=list)
    before: dict[str, str] = field(default_factory=dict)  # qualifier word -> meaning, English ones lower-cased
    before_zh: dict[str, str] = field(default_factory=dict)  # Chinese ones, no word boundary needed
    after: dict[str, str] = field(default_factory=dict)
    after_zh: dict[str, str] = field(default_factory=dict)
    odd: dict[str, str] = field(default_factory=dict)  # '多' after '2000'
    verbs_before: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    idioms: list[str] = field(default_factory=list)  # set phrases holding numerals that are no figure: '千家万户'
    bases: dict[str, str] = field(default_factory=dict)  # dimension -> the unit its figures are compared in
    plan_words: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in sorted(_PLAN_KEYS)})
    paths: tuple[str, ...] = ()

    @property
    def currencies(self) -> frozenset[str]:
        return frozenset(set(self.prefixes.values()) | {u.name for u in self.units if u.dimension == "currency"})

    @property
    def qualifiers(self) -> dict[str, str]:
        return self.before | self.before_zh | self.after | self.after_zh | self.odd

    def in_base(self) -> dict[str, tuple[str, float]]:
        """unit -> (its dimension's base unit, factor) for every unit that converts: 'kW' -> ('GW', 1e-6)."""
        out = {}
        for u in self.units:
            base = self.bases.get(u.dimension)
            if base == u.name:
                out[u.name] = (base, 1.0)
            elif base and u.to_base is not None:
                out[u.name] = (base, u.to_base)
        return out


def _fail(path: Path, key: str, message: str, fix: str) -> ConfigError:
    return ConfigError(message, file=str(path), key=key, fix=fix)


def _strings(value, path: Path, key: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise _fail(path, key, "must be a non-empty list of non-empty strings", "write it as [word, word, ...]")
    return value


def _number(value, path: Path, key: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if not number > 0:
        raise _fail(path, key, f"{value!r} is not a positive number", "write the factor, e.g. 1e6 for a million")
    return number


def _factors(value, path: Path, key: str) -> dict[str, float]:
    if not isinstance(value, dict) or not value:
        raise _fail(path, key, "must be a mapping of word to factor", "write it as {word: 1e6, ...}")
    return {str(w).lower(): _number(f, path, f"{key}.{w}") for w, f in value.items()}


def _pattern(value: str, path: Path, key: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise _fail(path, key, f"{value!r} is not a valid regular expression ({exc})",
                    "escape special characters with a backslash, or list the word under spellings") from exc
    if re.compile(value).match(""):
        raise _fail(path, key, f"{value!r} matches the empty string", "make at least one character required")
    return value


def _is_cjk(word: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in word)


def _merge_file(lex: Lexicon, data: dict, path: Path, order: dict[str, UnitSpec], declared: dict[str, Path]) -> None:
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(path, sorted(unknown)[0], "is not a lexicon key", f"use one of {', '.join(sorted(_TOP_KEYS))}")
    for code, prefixes in (data.get("currencies") or {}).items():
        if not isinstance(code, str) or not _CURRENCY.match(code):
            raise _fail(path, f"currencies.{code}", "is not an ISO currency code", "use three capitals, e.g. USD")
        for p in _strings(prefixes, path, f"currencies.{code}"):
            lex.prefixes[p.replace(" ", "")] = code
            lex.prefixes.setdefault(p, code)
    scales = data.get("scales") or {}
    if not isinstance(scales, dict) or set(scales) - _SCALE_KEYS:
        raise _fail(path, "scales", "has an unknown key", f"use {', '.join(sorted(_SCALE_KEYS))}")
    lex.scales.update(_factors(scales["words"], path, "scales.words") if "words" in scales else {})
    if "after_currency" in scales:
        lex.short_scales.update(_factors(scales["after_currency"], path, "scales.after_currency"))
    if "before_currency" in scales:
        lex.currency_scales.update(_factors(scales["before_currency"], path, "scales.before_currency"))
    if "currency_leads" in scales:
        lex.currency_leads += _strings(scales["currency_leads"], path, "scales.currency_leads")
    units = data.get("units") or []
    if not isinstance(units, list):
        raise _fail(path, "units", "must be a list", "write each unit as '- {name: ..., spellings: [...]}'")
    for i, u in enumerate(units):
        key = f"units[{i}]"
        if not isinstance(u, dict) or set(u) - _UNIT_KEYS:
            raise _fail(path, key, "must be a mapping of name, dimension, gap, spellings, patterns",
                        f"use only the keys {', '.join(sorted(_UNIT_KEYS))}")
        name = u.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise _fail(path, f"{key}.name", f"{name!r} is not a unit name", "use letters, digits and _, e.g. GWh")
        gap = u.get("gap", "none")
        if gap not in GAPS:
            raise _fail(path, f"{key}.gap", f"{gap!r} is not a gap", f"use one of {', '.join(GAPS)}")
        if "spellings" not in u and "patterns" not in u:
            raise _fail(path, key, f"unit {name} has neither spellings nor patterns", "list how it is written")
        spellings = _strings(u["spellings"], path, f"{key}.spellings") if "spellings" in u else []
        patterns = [_pattern(p, path, f"{key}.patterns[{j}]")
                    for j, p in enumerate(_strings(u["patterns"], path, f"{key}.patterns"))] if "patterns" in u else []
        fragments = [_spelling(s, GAPS[gap]) for s in sorted(spellings, key=len, reverse=True)]
        fragments += [GAPS[gap] + (p if gap == "none" else f"(?:{p})") for p in patterns]
        to_base = _number(u["to_base"], path, f"{key}.to_base") if "to_base" in u else None
        spec = order.get(name)
        if spec is None:
            dimension = u.get("dimension")
            if not isinstance(dimension, str) or not _NAME.match(dimension):
                raise _fail(path, f"{key}.dimension", f"unit {name} needs a dimension",
                            "name what it measures, e.g. power, length, currency")
            spec = order[name] = UnitSpec(name, dimension)
            lex.units.append(spec)
        spec.fragments += fragments
        spec.to_base = to_base if to_base is not None else spec.to_base
    dimensions = data.get("dimensions") or {}
    if not isinstance(dimensions, dict) or not all(isinstance(b, str) for b in dimensions.values()):
        raise _fail(path, "dimensions", "must map a dimension to its base unit", "write it as {power: GW, ...}")
    lex.bases.update(dimensions)
    declared.update({d: path for d in dimensions} | {u["name"]: path for u in units if "to_base" in u})
    _merge_qualifiers(lex, data.get("qualifiers") or {}, path)
    if "blockers" in data:
        lex.blockers += _strings(data["blockers"], path, "blockers")
    if "idioms" in data:
        lex.idioms += _strings(data["idioms"], path, "idioms")
    plans = data.get("plans") or {}
    if not isinstance(plans, dict) or set(plans) - _PLAN_KEYS:
        raise _fail(path, "plans", "has an unknown key", f"use {', '.join(sorted(_PLAN_KEYS))}")
    for key, words in plans.items():
        lex.plan_words[key] += _strings(words, path, f"plans.{key}")


def _spelling(word: str, gap: str) -> str:
    """A literal spelling as a fragment: its gap before, and after a final letter or digit an ASCII word end."""
    end = r"\b" if word[-1].isascii() and word[-1].isalnum() else ""
    return f"{gap if not _is_cjk(word) else ''}{re.escape(word)}{end}"


def _merge_qualifiers(lex: Lexicon, data: dict, path: Path) -> None:
    if not isinstance(data, dict) or set(data) - _QUALIFIER_KEYS:
        raise _fail(path, "qualifiers", "has an unknown key", f"use {', '.join(sorted(_QUALIFIER_KEYS))}")
    for place in ("before", "after", "odd"):
        groups = data.get(place) or {}
        if not isinstance(groups, dict):
            raise _fail(path, f"qualifiers.{place}", "must map a meaning to words", "write {at_least: [at least]}")
        for meaning, words in groups.items():
            if meaning not in QUALIFIERS:
                raise _fail(path, f"qualifiers.{place}.{meaning}", "is not a qualifier",
                            f"use one of {', '.join(QUALIFIERS)}")
            for w in _strings(words, path, f"qualifiers.{place}.{meaning}"):
                if place == "odd":
                    lex.odd[w] = meaning
                else:
                    target = getattr(lex, place + ("_zh" if _is_cjk(w) else ""))
                    target[w if _is_cjk(w) else w.lower()] = meaning
    if "verbs_before" in data:
        lex.verbs_before += _strings(data["verbs_before"], path, "qualifiers.verbs_before")


def _read_yaml(path: Path) -> dict:
    data = read_yaml(path, "the lexicon argument (or extract/lexicon/*.yaml)")
    if not isinstance(data, dict):
        raise ConfigError("must be a mapping of lexicon keys", file=str(path), fix="start with 'units:'")
    return data


def load_lexicon(paths: list[str | os.PathLike] | None = None) -> Lexicon:
    """Load, validate and merge lexicon files, in order (default: en.yaml and zh.yaml beside this module)."""
    files = [Path(p) for p in paths] if paths else [DEFAULT_DIR / name for name in DEFAULT_FILES]
    lex = Lexicon(paths=tuple(str(p) for p in files))
    order: dict[str, UnitSpec] = {}
    declared: dict[str, Path] = {}  # the file that names each dimension's base and each unit's to_base
    for path in files:
        _merge_file(lex, _read_yaml(path), path, order, declared)
    if not lex.units:
        raise ConfigError("defines no units", file=str(files[0]), fix="list the units under 'units:'")
    _check_bases(lex, order, declared)
    return lex


def _check_bases(lex: Lexicon, order: dict[str, UnitSpec], declared: dict[str, Path]) -> None:
    """Each base is a unit of its dimension, and a unit that converts has a base to convert to."""
    for dimension, base in lex.bases.items():
        if base not in order or order[base].dimension != dimension:
            raise _fail(declared[dimension], f"dimensions.{dimension}", f"{base!r} is not a unit of dimension {dimension}",
                        f"name one of the units whose dimension is {dimension}")
    for u in lex.units:
        if u.to_base is not None and u.dimension not in lex.bases:
            raise _fail(declared[u.name], f"units.{u.name}.to_base", f"dimension {u.dimension} has no base unit",
                        f"add '{u.dimension}: <unit>' under dimensions:")


_default: list[Lexicon] = []


def default_lexicon() -> Lexicon:
    """The shipped lexicon (extract/lexicon/*.yaml), loaded once."""
    if not _default:
        _default.append(load_lexicon())
    return _default[0]
