"""Degenerate generation: loops, runaway paragraphs, text cut off mid-sentence, sections repeated verbatim.

The generator (an LLM with a token limit) sometimes loses its way: it repeats one phrase, or writes thousands of
characters of unpunctuated filler until the limit cuts it off, or copies a whole digest twice. These checks read the
*shape* of the text — repetition, punctuation density, length against the sibling sections, how the last sentence
ends — never particular words of a particular post.

One finding per section: a section caught as a loop is not reported again as runaway, and so on
(loop > unpunctuated runaway > oversized section > cut off).
"""
from __future__ import annotations

import statistics
from collections import Counter
from functools import lru_cache

from .. import recache
from ..model import Entry, Field, Severity, plain_text
from ..rules.examples import DEFAULTS
from ..rules.registry import Examples, Hit, entry_rule

# ---------------------------------------------------------------------------------------------------------------
# Text shape helpers

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = recache.compile(f"[{_CJK}]")
_LATIN_WORD = recache.compile(r"[A-Za-z]+")
# Everything that ends a clause, plus markup and brackets: a stretch without any of these is one breathless clause.
_BREAKS = r"，。、；：！？,;:!?．.（）()［］\[\]【】「」『』“”\"‘’《》<>…—\n|*#`/\\•·\-"
_STRETCH = recache.compile(f"[^{_BREAKS}]{{100,}}")
_CLAUSE_SPLIT = recache.compile(f"[{_BREAKS}]+")
_SPACE = recache.compile(r"\s+")
_TAG = recache.compile(r"<[^>\n]{0,200}>")
_UNMARK = recache.compile(r"[\s*_#>`|]+")

RUN_UNITS = 100          # CJK characters (plus Latin words) in one stretch without punctuation
LOOP_MIN_REPEATS = 5     # a clause repeated this often ...
LOOP_MIN_SHARE = 0.25    # ... and covering this share of the section is a loop
LOOP_MANY = 8            # a clause repeated this often is a loop whatever its share
NGRAM = 8
NGRAM_SHARE = 0.4        # share of an unpunctuated text covered by 8-grams seen >= 4 times
NGRAM_MIN_COVERED = 100

SHORT_SECTIONS = ("title", "authors", "affiliation", "keywords", "urls", "summary", "digest_preamble")
PROSE_SECTIONS = ("digest_summary", "methods", "conclusion", "key_takeaways")
SHORT_LIMIT, SHORT_FACTOR = 2000, 8     # a short section this long and this many times its siblings' median
PROSE_LIMIT, PROSE_FACTOR = 3000, 3

HUMAN = {"summary": "**Summary**", "key_takeaways": "**Key Takeaways**", "digest_preamble": "digest preamble",
         "title": "section 1 (Title)", "authors": "section 2 (Authors)", "affiliation": "section 3 (Affiliation)",
         "keywords": "section 4 (Keywords)", "urls": "section 5 (Urls)", "digest_summary": "section 6 (Summary)",
         "methods": "section 7 (Methods)", "conclusion": "section 8 (Conclusion)"}


def _units(text: str) -> int:
    return len(_CJK_CHAR.findall(text)) + len(_LATIN_WORD.findall(text))


def _quote(text: str, limit: int = 24) -> str:
    text = _SPACE.sub("", text)
    return text if len(text) <= limit else text[:limit] + "…"


@lru_cache(maxsize=256)  # shared by the rules of one post; a bound, so memory stays flat
def _clauses(text: str) -> tuple[str, ...]:
    """The text's clauses (between punctuation marks)."""
    return tuple(_CLAUSE_SPLIT.split(text))


@lru_cache(maxsize=256)  # shared by the rules of one post; a bound, so memory stays flat
def _loop(text: str) -> tuple[int, int, str, int] | None:
    """(start, end, phrase, repeats) of a repetition loop in `text` (offsets into `text`), or None."""
    if len(text) < 100:
        return None
    clauses = _clauses(text)
    if len(clauses) - len(set(clauses)) < LOOP_MIN_REPEATS - 1:
        counts: Counter = Counter()  # no clause can be repeated often enough
    else:
        counts = Counter(c for c in clauses if len(c) >= 6)
    total = sum(map(len, clauses)) or 1
    if counts and counts.most_common(1)[0][1] >= LOOP_MIN_REPEATS:
        counts = Counter(_SPACE.sub("", c) for c in clauses if len(c.strip()) >= 6)
    for phrase, n in counts.most_common(3):
        if n < LOOP_MIN_REPEATS or _units(phrase) < 4:
            continue
        share = sum(len(c) * k for c, k in counts.items() if k >= 3) / total
        if n >= LOOP_MANY or share >= LOOP_MIN_SHARE:
            return (*_span_of(text, phrase), phrase, n)
    # Loops without punctuation: one long clause made of the same few words over and over.
    long = [_SPACE.sub("", c) for c in clauses if len(c) >= 100]
    if not long:
        return None
    flat = "\n".join(long)
    grams = [flat[i:i + NGRAM] for i in range(len(flat) - NGRAM + 1)]
    gram_counts = Counter(grams)
    covered = bytearray(len(flat))
    for i, g in enumerate(grams):
        if gram_counts[g] >= 4 and not g.isascii():
            covered[i:i + NGRAM] = b"\x01" * NGRAM
    k = sum(covered)
    if k >= NGRAM_MIN_COVERED and k / len(flat) >= NGRAM_SHARE:
        phrase, n = max(((g, c) for g, c in gram_counts.items() if not g.isascii()), key=lambda gc: gc[1])
        return (*_span_of(text, phrase), phrase, n)
    return None


def _span_of(text: str, phrase: str) -> tuple[int, int]:
    """From the second occurrence of `phrase` to the end of its last one (whole text when not found verbatim)."""
    first = text.find(phrase)
    if first < 0:
        return 0, len(text)
    second = text.find(phrase, first + len(phrase))
    last = text.rfind(phrase)
    return (second if second >= 0 else first), last + len(phrase)


@lru_cache(maxsize=256)  # shared by the rules of one post; a bound, so memory stays flat
def _runaway(text: str) -> tuple[int, int, int] | None:
    """(start, end, units) of the longest stretch of `text` with no punctuation at all, if it is runaway-long."""
    best = None
    if len(text) < 100 or max(map(len, _clauses(text))) < RUN_UNITS:
        return None
    for m in _STRETCH.finditer(text):
        n = _units(m.group())
        if n >= RUN_UNITS and (best is None or n > best[2]):
            best = (m.start(), m.end(), n)
    return best


def _generated(entry: Entry) -> list[Field]:
    return [f for f in entry.generated if f.text and not f.text.isspace()]


def _caught(field: Field, fields: list[Field], upto: str) -> bool:
    """Whether a stronger degenerate check already reports this field (order: loop, runaway, oversized)."""
    if _loop(field.text):
        return True
    if upto == "loop":
        return False
    if _runaway(field.text):
        return True
    if upto == "runaway":
        return False
    return _oversized(field, fields) is not None


# ---------------------------------------------------------------------------------------------------------------
# DEG001 repetition loop

_LOOPED = "(3) 研究方法：" + "该方法能够生成更加自然的说话人视频，" * 12


@entry_rule("DEG001", name="repetition-loop", category="degenerate", severity="error",
            message="the same phrase repeats over and over (generation loop)",
            examples=Examples(
                bad=({"digest_summary": "(1) 研究背景：说话人视频生成。\n" + _LOOPED},
                     {"methods": "(1) 模型" + "头部运动自然头部运动自然" * 20 + "。"}),
                good=({},
                      {"key_takeaways": "1. NovaTalk基于扩散模型。\n2. NovaTalk提升了唇形同步。\n"
                                        "3. NovaTalk渲染速度快。\n4. NovaTalk表情自然。\n5. NovaTalk代码开源。"},
                      {"conclusion": "(1) 意义：提升了表现力。\n(2) 创新点：扩散模型；性能：误差降低12.5%；"
                                     "工作量：扩散模型。扩散模型。扩散模型。扩散模型。扩散模型。"})))
def repetition_loop(entry: Entry, ctx):
    """A generation loop: one clause repeated many times in a section ("该方法能够生成更加自然的视频，" ×80), or an
    unpunctuated paragraph built from the same few words over and over. Both the number of repeats and the share of
    the section they cover must be high, so a section that names its method five times does not fire."""
    for f in _generated(entry):
        loop = _loop(f.text)
        if loop:
            start, end, phrase, n = loop
            yield Hit(field=f, start=start, end=end, severity=Severity.ERROR,
                      message=f"{HUMAN.get(f.name, f.name)} loops: \"{_quote(phrase)}\" repeats {n} times")


# ---------------------------------------------------------------------------------------------------------------
# DEG002 unpunctuated runaway

_BREATHLESS = ("该方法具有重要的研究意义和应用价值为说话人头部生成领域提供了新的思路和方向并推动了相关技术的持续进步"
               "同时也为未来的研究工作奠定了坚实的基础展现出广阔的应用前景和巨大的发展潜力值得学术界和产业界"
               "进一步深入探索以便更好地服务于数字人和虚拟主播等行业的发展需求")


@entry_rule("DEG002", name="runaway-paragraph", category="degenerate", severity="error",
            message="runaway paragraph: a very long stretch of text without any punctuation",
            examples=Examples(
                bad=({"conclusion": "(1) 意义：提升了表现力。" + _BREATHLESS},
                     {"urls": "https://arxiv.org/abs/2411.90001 。" + _BREATHLESS}),
                good=({},
                      {"methods": "(1) 使用潜在扩散模型生成面部运动，并引入音频编码器对齐唇形。\n(2) 在HDTF和"
                                  "VoxCeleb两个数据集上训练模型，训练时使用八块GPU，共训练三天，推理速度为每秒25帧。"})))
def runaway_paragraph(entry: Entry, ctx):
    """Chinese prose has a comma every few dozen characters. When a section holds a hundred or more characters in a
    row without a single punctuation mark, the model has run away: it strings clichés together ("具有重要的意义和价值
    为…提供了…并推动了…") until the token limit cuts it off. Reported once per section, at the longest stretch."""
    fields = _generated(entry)
    for f in fields:
        if _caught(f, fields, "loop"):
            continue
        run = _runaway(f.text)
        if run:
            start, end, n = run
            yield Hit(field=f, start=start, end=end, severity=Severity.ERROR,
                      message=f"{HUMAN.get(f.name, f.name)} runs away: {n} characters without any punctuation "
                              f"(\"{_quote(f.text[start:end], 16)}\")")


# ---------------------------------------------------------------------------------------------------------------
# DEG003 oversized section


@lru_cache(maxsize=256)  # shared by the rules of one post; a bound, so memory stays flat
def _plain_len(text: str) -> int:
    return len(plain_text(text).strip())


def _oversized(field: Field, fields: list[Field]) -> tuple[int, float] | None:
    """(length, median of siblings) when `field` is far longer than its sibling sections of the same kind."""
    n = _plain_len(field.text)
    if field.name in PROSE_SECTIONS:
        limit, factor, kind = PROSE_LIMIT, PROSE_FACTOR, PROSE_SECTIONS
    else:
        limit, factor, kind = SHORT_LIMIT, SHORT_FACTOR, SHORT_SECTIONS
    if n < limit:
        return None
    siblings = [_plain_len(f.text) for f in fields if f.name in kind and f is not field]
    median = statistics.median(siblings) if siblings else 0.0
    if siblings and n < factor * median:
        return None
    return n, median


_FILLER = "".join(f"若第{i}个版本发布，将在第{i + 1}周同步更新。" for i in range(1, 120))


@entry_rule("DEG003", name="oversized-section", category="degenerate", severity="warning",
            message="section is many times longer than its sibling sections",
            examples=Examples(
                bad=({"urls": "https://arxiv.org/abs/2411.90001 。代码链接暂未公开。" + _FILLER},),
                good=({}, {"methods": "(1) 使用潜在扩散模型生成面部运动，并引入音频编码器对齐唇形。"})))
def oversized_section(entry: Entry, ctx):
    """A section far longer than its siblings — a Urls or Affiliation section of thousands of characters, a section 6
    Summary of several thousand — is the model rambling on until the token limit. Short sections (title, authors, affiliation,
    keywords, urls, the one-line Summary) are compared with each other, prose sections (section 6-8, Key Takeaways)
    with each other: the section must pass an absolute length and be several times its siblings' median length."""
    fields = _generated(entry)
    for f in fields:
        if _caught(f, fields, "runaway"):
            continue
        over = _oversized(f, fields)
        if over:
            n, median = over
            yield Hit(field=f, start=0, end=min(len(f.text), 120), severity=Severity.WARNING,
                      message=f"{HUMAN.get(f.name, f.name)} is {n} characters long"
                              + (f", {n / median:.0f}× the median of its sibling sections" if median else "")
                              + "; the generation ran on")


# ---------------------------------------------------------------------------------------------------------------
# DEG004 cut off mid-sentence

JUDGED = ("summary", "digest_summary", "methods", "conclusion")
_TERMINAL = "。！？!?.…；;：:）)」』”\"'》】]~～"
_SENTENCE_END = recache.compile(r"[。！？!?]")
_NEW_ITEM = recache.compile(r"^\s*(?:<[^>]+>\s*)*(?:[-*•+]\s|\d{1,2}[.、)）]|[（(]\d{1,2}[)）]|[*_]{2})")
# Words a Chinese sentence cannot end on: structural particles, conjunctions, prepositions, modal verbs.
_DANGLING_2 = {"以及", "并且", "而且", "或者", "以便", "从而", "通过", "由于", "因为", "如果", "并将", "并与", "并在",
               "并对", "将会", "能够", "对于", "关于", "基于", "为了", "一种", "一个", "这些", "这种", "其中", "包括",
               "例如", "比如", "使得", "以此", "进而", "同时", "随着", "根据", "利用", "采用", "结合"}
_DANGLING_1 = set("的和与及并将把被对从或而且向在为使其该这")
_NOT_DANGLING = {"目的", "似的", "有的", "别的", "真的", "总和", "饱和", "缓和", "温和", "柔和", "调和", "平和", "共和",
                 "参与", "给与", "涉及", "普及", "波及", "危及", "顾及", "触及", "提及", "企及", "来不及", "合并",
                 "兼并", "吞并", "即将", "相对", "绝对", "面对", "应对", "针对", "核对", "配对", "成对", "反对",
                 "服从", "遵从", "听从", "随从", "跟从", "盲从", "不可或", "然而", "而且", "并且", "方向", "导向",
                 "倾向", "面向", "走向", "指向", "朝向", "意向", "动向", "取向", "存在", "所在", "现在", "实在",
                 "潜在", "内在", "外在", "自在", "行为", "认为", "作为", "成为", "称为", "视为", "以为", "大使",
                 "促使", "致使", "迫使", "驱使", "天使", "尤其", "极其", "应该", "活该", "单向", "双向", "横向",
                 "纵向", "反向", "正向", "逆向", "定向", "转向", "流向", "偏向", "有为", "无为", "大将", "名将"}
_CLAUSE_BREAK = recache.compile(r"[，。、；：！？,;:!?]")
_SHI = recache.compile("[是都]")
_OPENERS = "，、,（(《“‘【["


def _dangling(tail: str) -> bool:
    """Whether a line ending in `tail` stops in the middle of a clause."""
    if not tail:
        return False
    if tail[-1] in _OPENERS:
        return True
    if tail[-2:] in _NOT_DANGLING or tail[-3:] in _NOT_DANGLING:
        return False
    if tail[-1] == "的" and _SHI.search(_CLAUSE_BREAK.split(tail[-60:])[-1]):
        return False  # 是…的: "这些方法是不够鲁棒的" is a complete sentence
    return tail[-2:] in _DANGLING_2 or tail[-1] in _DANGLING_1


def _visible(line: str) -> str:
    """The line without trailing whitespace, HTML tags and emphasis markup."""
    line = line.rstrip(" \t*_`")
    while line.endswith(">") and "<" in line:
        line = line[:line.rfind("<")].rstrip(" \t*_`")
    return line


def _visible_end(line: str) -> str:
    return _visible(line)[-1:]


def _lines(text: str):
    """(start offset, raw line) for each line with visible content (not only tags or markup)."""
    pos = 0
    for raw in text.split("\n"):
        if _visible_end(raw):
            yield pos, raw
        pos += len(raw) + 1


def _cut_off(field: Field) -> tuple[int, int, str] | None:
    """(start, end, tail) of a line of `field` that breaks off mid-sentence."""
    lines = list(_lines(field.text))
    for i, (pos, raw) in enumerate(lines):
        last = i == len(lines) - 1
        if not last and not _NEW_ITEM.match(lines[i + 1][1]):
            continue  # a line that simply continues on the next line
        visible = _visible_end(raw)
        if not visible or visible in _TERMINAL:
            continue
        plain = _SPACE.sub(" ", plain_text(raw)).strip()
        if not plain or plain[-1] in _TERMINAL or len(_CJK_CHAR.findall(plain)) < 15:
            continue
        sentence = _SENTENCE_END.split(plain)[-1]
        abrupt = _dangling(plain)
        if not abrupt and last:
            # The last sentence of a multi-sentence line ends without its full stop: the text was cut off there.
            abrupt = _SENTENCE_END.search(plain) is not None and len(_CJK_CHAR.findall(sentence)) >= 20
        if abrupt:
            tail = sentence.strip()[-30:]
            at = raw.rfind(tail)
            return pos + max(at, 0), pos + len(_visible(raw)), tail
    return None


_CUT = "(2) 创新点：笔画级形变；性能：80%的插画师偏好本文结果；工作量：作者邀请了25名插画师参与评估，并与基于栅格的"


@entry_rule("DEG004", name="cut-off", category="degenerate", severity="warning",
            message="text breaks off in the middle of a sentence",
            examples=Examples(
                bad=({"conclusion": "(1) 意义：让线稿角色开口说话。\n" + _CUT},
                     {"digest_summary": "(1) 研究背景：音频驱动的说话人头部生成在虚拟主播和在线教育中需求日益增加。"
                                        "本文旨在解决现有方法表情单一、唇形同步误差较大的问题并提出一种基于扩散"}),
                good=({},
                      {"summary": "基于潜在扩散模型的音频驱动说话人头部生成方法研究"},
                      {"keywords": "说话人头部生成、扩散模型、唇形同步、表情控制、音频驱动、数字人"},
                      {"methods": "(1) 表情库：从参考视频中提取表情并存入表情库\n(2) 视频合成：将调节后的表情与"
                                  "唇部运动结合生成最终视频"})))
def cut_off(entry: Entry, ctx):
    """Generated prose (the **Summary**, sections 6-8) that stops in the middle of a clause — on "的", "并与",
    a comma — or whose last sentence has no full stop after earlier ones did: the output hit the token limit or was
    truncated. Keyword lists, links, titles and short list items legitimately end without a full stop and are not
    judged; only lines of real prose (15+ Chinese characters) that end a section or an item are."""
    fields = _generated(entry)
    for name in JUDGED:
        f = entry.summary if name == "summary" else entry.sections.get(name)
        if f is None or not f.text or f.text.isspace() or _caught(f, fields, "oversized"):
            continue
        cut = _cut_off(f)
        if cut:
            start, end, tail = cut
            shown = _SPACE.sub("", tail)[-16:]
            yield Hit(field=f, start=start, end=end, severity=Severity.WARNING,
                      message=f"{HUMAN[name]} breaks off mid-sentence at \"…{shown}\"")


# ---------------------------------------------------------------------------------------------------------------
# DEG005 sections duplicated verbatim


def _norm(text: str) -> str:
    """Text without markup, whitespace and emphasis marks, for verbatim comparison."""
    if "<" in text:
        text = _TAG.sub("", text)
    return _UNMARK.sub("", text).lower()


def _digest(parts: dict) -> str:
    labels = [("title", "标题"), ("authors", "作者"), ("affiliation", "隶属机构"), ("keywords", "关键词"),
              ("urls", "链接"), ("digest_summary", "总结"), ("methods", "方法"), ("conclusion", "结论")]
    return "\n\n".join(f"{n}. {label}：{parts.get(key, DEFAULTS[key])}" for n, (key, label) in enumerate(labels, 1))


@entry_rule("DEG005", name="duplicated-sections", category="degenerate", severity="error",
            message="several sections are repeated verbatim",
            examples=Examples(
                bad=({"digest": _digest({}) + "\n\n" + _digest({})},
                     {"methods": "(1) 研究背景：音频驱动的说话人头部生成。\n(2) 过去的方法：表情单一。\n"
                                 "(3) 研究方法：提出NovaTalk。\n(4) 任务与性能：唇形同步误差降低12.5%。\n"
                                 "(5) 训练细节：在HDTF数据集上训练三天，使用八块GPU，学习率为万分之一，批大小为十六，推理速度为每秒二十五帧。",
                      "digest_summary": "(1) 研究背景：音频驱动的说话人头部生成。\n(2) 过去的方法：表情单一。\n"
                                        "(3) 研究方法：提出NovaTalk。\n(4) 任务与性能：唇形同步误差降低12.5%。\n"
                                        "(5) 训练细节：在HDTF数据集上训练三天，使用八块GPU，学习率为万分之一，批大小为十六，推理速度为每秒二十五帧。"}),
                good=({},
                      {"methods": "(1) 研究方法：提出NovaTalk。\n(2) 使用潜在扩散模型生成面部运动。"})))
def duplicated_sections(entry: Entry, ctx):
    """The same text twice: the whole digest written out again inside its last section, several sections copied
    into another one, or two long sections that are identical. A method section that re-uses one sentence or
    paragraph of the summary is normal for this generator and is not reported."""
    fields = _generated(entry)
    probes = {id(f): _probe(f.text) for f in fields}
    norms: dict[int, str] = {}

    def norm(f: Field) -> str:
        if id(f) not in norms:
            norms[id(f)] = _norm(f.text)
        return norms[id(f)]

    # Copies of whole sections inside another section (the digest repeated inside its conclusion, say). A cheap
    # probe (a dozen characters from the section's middle) finds candidates; the normalised texts confirm them.
    inside: dict[int, list[Field]] = {}
    joined = "\x00".join(f.text for f in fields)
    for a in fields:
        probe = probes[id(a)]
        if len(probe) < 6 or joined.count(probe, 0) < 2:
            continue
        for b in fields:
            if b is a or len(b.text) <= len(a.text) or probe not in b.text:
                continue
            na = norm(a)
            if len(na) >= 12 and len(norm(b)) > len(na) and na in norm(b):
                inside.setdefault(id(b), []).append(a)
                break
    for b in fields:
        copies = inside.get(id(b), [])
        size = sum(len(norm(a)) for a in copies)
        if len(copies) >= 3 or (len(copies) >= 2 and size >= 150):
            names = ", ".join(HUMAN.get(a.name, a.name) for a in copies)
            probe = _first_line(copies[0].text)
            at = b.text.find(probe) if probe else -1
            yield Hit(field=b, start=max(at, 0), end=(max(at, 0) + len(probe)) if at >= 0 else min(len(b.text), 120),
                      message=f"{HUMAN.get(b.name, b.name)} repeats {names} verbatim")
    # Two long sections with identical text.
    by_probe: dict[str, list[Field]] = {}
    for f in fields:
        if len(f.text) >= 100 and len(probes[id(f)]) >= 6:
            by_probe.setdefault(probes[id(f)], []).append(f)
    for group in by_probe.values():
        seen: dict[str, Field] = {}
        for f in group:
            n = norm(f)
            if len(n) < 100:
                continue
            if n in seen:
                yield Hit(field=f, start=0, end=min(len(f.text), 120),
                          message=f"{HUMAN.get(f.name, f.name)} is a verbatim copy of "
                                  f"{HUMAN.get(seen[n].name, seen[n].name)}")
            else:
                seen[n] = f


def _probe(text: str) -> str:
    """A dozen characters from the middle of the text's longest line without markup: a copy of the text has them."""
    best = ""
    for line in text.split("\n"):
        line = line.strip()
        if len(line) > len(best) and "<" not in line and "*" not in line:
            best = line
    mid = max(0, len(best) // 2 - 6)
    return best[mid:mid + 12]


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()[:40]
    return ""
