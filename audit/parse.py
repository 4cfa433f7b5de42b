"""Text -> Post: front matter, paper entries, the generated blocks and the eight digest sections, with line spans.

The generator's format drifted over time, so sections are recognised by the *shape* of a heading line (a number,
a list item, bold, a markdown heading, a label and a colon) and by what its label means (a small vocabulary of
section words matched inside the label), never by a list of exact heading strings. The parser knows nothing about
rules: it reports structure, and leaves judging it to the checks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from . import recache
from .model import DIGEST_SECTIONS, EncodingReport, Entry, Field, Post

# ---------------------------------------------------------------------------------------------------------------
# Entry skeleton: the [PDF](…) link anchors every entry; its `## title` heading is the last one before it.

PDF_LINE = recache.compile(r"^\s*\**\s*\[\s*PDF\s*\]\s*\(\s*(?P<url>[^)\s]*)[^)]*\)\s*\**(?P<rest>.*)$", re.I)
ARXIV_ID = recache.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s*)(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})(?:v(?P<v>\d+))?", re.I)
HEADING2 = recache.compile(r"^##(?!#)\s*(?P<title>.*?)\s*#*\s*$")
AUTHORS_LINE = recache.compile(
    r"^\s*\*\*\s*(?:authors?|作者(?:名单|列表)?)\s*(?:\*\*\s*)?[:：]\s*(?:\*\*)?(?P<names>.*?)\s*(?:\*\*)?\s*$", re.I)
DATE_HEADING = recache.compile(r"^#(?!#)\s*(?P<text>.*\d{4}.*)$")
DETAILS_OPEN = recache.compile(r"^\s*<details\b", re.I)
DETAILS_CLOSE = recache.compile(r"</details\s*>", re.I)

# The marker that opens the 8-part digest: **[ChatPaperFree](…)**, [ChatPaper](…), **ChatPaperFree**, ### ChatPaper …
DIGEST_MARKER = recache.compile(r"^\s*(?:#+\s*)?\**\s*\[?\s*ChatPaper[\w\- ]*\]?(?:\([^)]*\))?\s*\**\s*[:：]?\s*$", re.I)

# Bold block labels between the header and the digest: **Summary**, **摘要**, **Key Takeaways**, **要点** …
BLOCK_LABEL = recache.compile(
    r"^\s*(?:#{1,4}\s*)?(?:\*\*|<strong>|<b>)\s*(?P<label>[^*<>\n]{1,24}?)\s*[:：]?\s*(?:\*\*|</strong>|</b>)\s*[:：]?\s*"
    r"(?P<rest>.*)$", re.I)
TAKEAWAYS_WORDS = recache.compile(r"takeaway|key\s*points?|highlights?|要点|见解|亮点|关键发现|核心观点|主要发现", re.I)
SUMMARY_WORDS = recache.compile(r"summary|tl;?dr|摘要|总结|概要|概述|简介|一句话", re.I)

# ---------------------------------------------------------------------------------------------------------------
# Digest section headings.

ORDER = {name: i + 1 for i, name in enumerate(DIGEST_SECTIONS)}

# Labels that are sub-headings inside a section (summary items, conclusion parts), never a digest section.
NOT_A_SECTION = recache.compile(
    r"背景|过去|以往|现有|问题|任务|性能|表现|工作量|创新|贡献|意义|动机|实验|结果|数据|步骤|阶段|第.步|局限|不足|"
    r"background|past|previous|task|performance|workload|innovation|contribution|significance|motivation|"
    r"experiment|result|step|stage|limitation|中文翻译|翻译|英文|english|chinese|translation|注|note|答", re.I)

# (section, pattern on the normalised label, exact words). A label is the text before the colon, normalised by
# removing spaces, markup and parenthesised glosses; it is matched by what it contains, in this order.
SECTION_VOCABULARY: tuple[tuple[str, re.Pattern, frozenset[str]], ...] = (
    ("affiliation", recache.compile(r"affiliat|institut|organi[sz]ation|机构|单位|隶属|所属|归属|来自|组织|学校", re.I),
     frozenset({"affiliation", "affiliations", "单位", "隶属机构", "所属机构", "机构", "隶属", "所属单位", "隶属单位",
                "作者单位", "作者所属单位", "作者所属机构", "作者隶属机构", "第一作者单位", "第一作者所属单位"})),
    ("keywords", recache.compile(r"key\s*words?|关键词|关键字|主题词", re.I),
     frozenset({"keywords", "keyword", "关键词", "关键字"})),
    ("urls", recache.compile(r"^urls?$|links?|链接|网址|地址|^code$|^paper$|github|代码|^url", re.I),
     frozenset({"urls", "url", "links", "link", "链接", "网址", "论文链接"})),
    ("methods", recache.compile(r"method|方法|approach", re.I),
     frozenset({"methods", "method", "methodology", "方法", "方法论", "方法论概述", "方法概述"})),
    ("conclusion", recache.compile(r"conclu|结论|结语|总结与展望", re.I),
     frozenset({"conclusion", "conclusions", "结论"})),
    ("digest_summary", recache.compile(r"summary|abstract|摘要|总结|概述|概要|综述|简介", re.I),
     frozenset({"summary", "abstract", "摘要", "总结", "概述", "概要", "内容摘要", "摘要总结"})),
    ("authors", recache.compile(r"authors?|作者|作家", re.I),
     frozenset({"authors", "author", "作者", "作者名单", "作者列表"})),
    ("title", recache.compile(r"title|标题|题目|题名|篇名", re.I),
     frozenset({"title", "标题", "题目", "论文标题", "中文标题", "标题及翻译"})),
)

# A label that starts with a section word keeps it whatever follows ("标题及中文翻译", "摘要部分（…）").
_LEADING_WORD = recache.compile(r"^(?:标题|题目|作者|单位|隶属|所属|关键词|链接|摘要|概述|方法|结论|title|authors?|affiliations?|"
                           r"keywords?|urls?|summary|methods?|methodology|conclusions?)", re.I)
_GLOSS = recache.compile(r"[（(][^)）]{0,40}[)）]")
_LABEL_NOISE = recache.compile(r"[\s*_`#<>\"'“”‘’\[\]【】]+")


@lru_cache(maxsize=4096)
def classify_label(label: str) -> tuple[str | None, bool]:
    """(section, exact) for a heading label, or (None, False) when it names no digest section."""
    norm = _LABEL_NOISE.sub("", _GLOSS.sub("", label)).lower().strip(".、:：-")
    if not norm or len(norm) > 16:
        return None, False
    for section, pattern, exact in SECTION_VOCABULARY:
        if pattern.search(norm):
            if NOT_A_SECTION.search(norm) and norm not in exact and not _LEADING_WORD.match(norm):
                return None, False
            return section, norm in exact
    return None, False


# Everything that may stand before a label on a heading line: indentation, tags, list markers, bold.
_LEAD_TAGS = recache.compile(r"^(?:\s*<(?:/?(?:ol|ul|li|p|div|span|h\d)|br\s*/?)[^>]*>)*\s*", re.I)
_NUMBER = recache.compile(r"^(?P<n>\d{1,2})\s*(?:[.．、]|\)|）)(?!\d)\s*")
_SUBITEM = recache.compile(r"^(?:[（(]\s*\d{1,2}\s*[)）]|[（(]?[一二三四五六七八九十][)）、.．])")
_BULLET = recache.compile(r"^[-*+•·](?:\s+|(?=[（(]))")
_MD_HEADING = recache.compile(r"^#{1,6}\s*")
_BOLD_OPEN = recache.compile(r"^(?:\*\*|__|<strong>|<b>)\s*", re.I)
# Every character that can open one of the markers above (\d aside: any decimal digit opens _NUMBER or _SUBITEM).
_MARKER_FIRST = frozenset("（(一二三四五六七八九十-*+•·#_<")
_LABEL = recache.compile(
    r"^(?P<label>[^:：\n]{1,30}?)\s*(?:\*\*|__|</strong>|</b>)?\s*(?P<colon>[:：])\s*(?:\*\*|__|</strong>|</b>)?\s*", re.I)
_LABEL_ALONE = recache.compile(r"^(?P<label>[^:：\n]{1,24}?)\s*(?:\*\*|__|</strong>|</b>)?\s*(?:</p>|</li>|<br\s*/?>|\s)*$",
                          re.I)
# A second heading merged onto the same line: "… 2. 作者：…" (needs a number and a colon).
_INLINE_HEAD = recache.compile(r"(?:(?<=\s)|(?<=[。；;，,）)]))(?P<n>[1-8])\s*[.．、]\s*(?:\*\*)?(?P<label>[^:：\n\d]{1,16}?)"
                          r"\s*(?:\*\*)?\s*[:：]")
_MARKERS_ONLY = recache.compile(r"(?:\s|<[^>]*>|\d{1,2}\s*[.．、)）]|[-*+•·#]|\*\*|__)*")
_INLINE_HINT = recache.compile(r"[1-8]\s*[.．、]\s*\**[^:：\n\d]{1,16}?[:：]")
_PIPELINE_ERROR = recache.compile(r"^\s*Some Error for \w+.*$", re.I | re.M)


@dataclass(frozen=True)
class Head:
    """A digest section heading found on a line."""

    section: str
    line_index: int      # 0-based index into the post's lines
    label_start: int     # column offset of the label (0-based)
    content_start: int   # column offset where the section's text begins on that line
    label: str
    inline: bool = False  # merged onto a line after other text


def _html_list_numbers(lines: list[str], start: int, end: int) -> dict[int, int]:
    """Top-level <li> number for the lines of an HTML list whose item content starts there (numbering restarts
    with every <ol>, as the generator's HTML does)."""
    numbers: dict[int, int] = {}
    stack: list[int] = []
    pending: int | None = None
    tag = recache.compile(r"<(/?)(ol|ul|li)\b[^>]*>", re.I)
    for i in range(start, end):
        line = lines[i]
        first_li_here = None
        for m in tag.finditer(line):
            closing, name = m.group(1), m.group(2).lower()
            if name in ("ol", "ul"):
                if closing:
                    if stack:
                        stack.pop()
                else:
                    stack.append(0)
            elif not closing and stack:
                stack[-1] += 1
                if len(stack) == 1 and first_li_here is None:
                    first_li_here = stack[-1]
        if first_li_here is not None:
            pending = first_li_here
        if pending is not None and re.sub(r"<[^>]*>", "", line).strip():
            numbers[i] = pending
            pending = None
    return numbers


def _find_heads(lines: list[str], start: int, end: int, implicit: bool = True) -> list[Head]:
    html_numbers = _html_list_numbers(lines, start, end) if any("<li" in lines[i] or "<LI" in lines[i]
                                                               for i in range(start, end)) else {}
    heads: list[Head] = []
    seen: set[str] = set()
    last_order = 0
    for i in range(start, end):
        line = lines[i]
        if not line.strip():
            continue
        pos = _LEAD_TAGS.match(line).end()
        rest = line[pos:]
        html_item = i in html_numbers and "<" in line[:pos] or (i in html_numbers and i - 1 >= start
                                                                and "<li" in lines[i - 1].lower())
        number: int | None = html_numbers.get(i) if html_item else None
        strong = html_item
        at_line_start = True
        subitem = False
        for _ in range(4):  # list markers, numbers, headings and bold may stack: "- **1. Title**:"
            first = rest[:1]
            if not (first.isdecimal() or first in _MARKER_FIRST):
                break  # none of the markers below can start here
            if _SUBITEM.match(rest):
                subitem = True
                break
            m = _NUMBER.match(rest)
            step = None
            if m:
                step, strong = m, True
                number = int(m.group("n")) if number is None else number
            elif _BULLET.match(rest):
                step = _BULLET.match(rest)
                at_line_start = False
            elif _MD_HEADING.match(rest):
                step, strong = _MD_HEADING.match(rest), True
            elif _BOLD_OPEN.match(rest):
                step = _BOLD_OPEN.match(rest)
                strong = strong or at_line_start  # bold at the very start of the line (or after a number)
            if step is None:
                break
            pos += step.end()
            rest = line[pos:]
        if subitem:
            continue
        section = None
        lab = _LABEL.match(rest) or _LABEL_ALONE.match(rest)
        if lab:
            section, exact = classify_label(lab.group("label"))
            if section is not None and section not in seen:
                order = ORDER[section]
                accept = (strong and (order > last_order or number == order)) or (exact and order > last_order)
                if accept:
                    heads.append(Head(section, i, pos, pos + lab.end(), lab.group("label").strip()))
                    seen.add(section)
                    last_order = order
                else:
                    section = None
            elif section is not None:
                section = None
        if implicit and section is None and number is not None and number == last_order + 1 and \
                number <= len(DIGEST_SECTIONS):
            # An unlabelled list item in sequence: the HTML digests number sections by position alone.
            implicit = DIGEST_SECTIONS[number - 1]
            if implicit not in seen and (html_item or last_order < 5):
                heads.append(Head(implicit, i, pos, pos, ""))
                seen.add(implicit)
                last_order = number
                section = implicit
        # Further headings merged onto this line.
        scan_from = heads[-1].content_start if heads and heads[-1].line_index == i else pos
        if last_order >= len(DIGEST_SECTIONS) or not _INLINE_HINT.search(line, scan_from):
            continue
        for m in _INLINE_HEAD.finditer(line, scan_from):
            sec, _ = classify_label(m.group("label"))
            if sec is None or sec in seen or ORDER[sec] <= last_order:
                continue
            heads.append(Head(sec, i, m.start("n"), m.end(), m.group("label").strip(), inline=True))
            seen.add(sec)
            last_order = ORDER[sec]
    return heads


# ---------------------------------------------------------------------------------------------------------------


class _Text:
    """The post's lines with offsets, to cut exact slices into Fields."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def field(self, name: str, line: int, col: int, end_line: int, end_col: int | None = None,
              label: str = "", label_line: int | None = None) -> Field:
        """A Field from (line, col) to (end_line, end_col) — 0-based line indices, end exclusive of trailing blank
        lines; end_col None means the end of end_line."""
        while end_line > line and not self.lines[end_line].strip():
            end_line -= 1
        while line < end_line and not self.lines[line][col:].strip():
            line, col = line + 1, 0  # start at the first line with content
        begin = self.starts[line] + col
        stop = self.starts[end_line] + (len(self.lines[end_line]) if end_col is None else end_col)
        text = self.text[begin:max(begin, stop)]
        return Field(name=name, text=text, line=line + 1, column=col + 1, label=label,
                     label_line=(label_line + 1) if label_line is not None and label_line != line else 0)


def _front_matter(t: _Text) -> tuple[dict, Field | None, int, list[tuple[int, str]]]:
    """(mapping, field, index of the first line after it, problems)."""
    i = 0
    while i < len(t.lines) and not t.lines[i].strip():
        i += 1
    if i >= len(t.lines) or t.lines[i].strip() != "---":
        return {}, None, 0, []
    for j in range(i + 1, min(len(t.lines), i + 400)):
        if t.lines[j].strip() in ("---", "..."):
            block = "\n".join(t.lines[i + 1:j])
            field = t.field("front_matter", i + 1, 0, max(i + 1, j - 1)) if j > i + 1 else None
            data, problems = _load_yaml(block, i + 2)
            return data, field, j + 1, problems
    return {}, None, 0, [(i + 1, "front matter opened with '---' is never closed")]


def _load_yaml(block: str, first_line: int) -> tuple[dict, list[tuple[int, str]]]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(block, Loader=loader)  # noqa: S506 — a safe loader
        if isinstance(data, dict):
            return {str(k): v for k, v in data.items()}, []
        problem = "front matter is not a mapping"
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        problem = f"front matter is not valid YAML ({getattr(exc, 'problem', None) or 'parse error'})"
        data = None
        fallback = {}
        for raw in block.split("\n"):
            m = re.match(r"^([A-Za-z_][\w\-]*)\s*:\s*(.*)$", raw)
            if m:
                fallback[m.group(1)] = m.group(2).strip() or None
        return fallback, [(line, problem)]
    return {}, [(first_line, problem)]


def _scalar(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return _scalar(value[0]) if value else None
    text = str(value).strip()
    return text or None


def _entry_starts(t: _Text, body_start: int) -> list[tuple[int, int]]:
    """(heading line, pdf line) of each entry, 0-based."""
    starts: list[tuple[int, int]] = []
    prev_pdf = body_start - 1
    prev_id = None
    for i in range(body_start, len(t.lines)):
        line = t.lines[i]
        if "PDF" not in line and "pdf" not in line:
            continue
        m = PDF_LINE.match(line)
        if not m:
            continue
        heading = None
        for j in range(i - 1, prev_pdf, -1):
            if HEADING2.match(t.lines[j]):
                heading = j
                break
        ident = ARXIV_ID.search(m.group("url"))
        ident = ident.group("id") if ident else None
        if heading is None and starts and ident == prev_id:
            continue  # the same link repeated inside the previous entry's text
        starts.append((heading if heading is not None else i, i))
        prev_pdf, prev_id = i, ident
    return starts


def _parse_entry(t: _Text, index: int, start: int, pdf: int, end: int) -> Entry:
    lines = t.lines
    m = PDF_LINE.match(lines[pdf])
    url = m.group("url")
    ident = ARXIV_ID.search(url) or ARXIV_ID.search(lines[pdf])
    arxiv_id = ident.group("id") if ident else None
    version = int(ident.group("v")) if ident and ident.group("v") else None
    pdf_field = t.field("pdf", pdf, 0, pdf)
    comments = None
    rest_col = m.start("rest")
    if lines[pdf][rest_col:].strip():
        comments = t.field("comments", pdf, rest_col + (len(lines[pdf][rest_col:]) - len(lines[pdf][rest_col:]
                                                                                           .lstrip())), pdf)

    title = authors = abstract = None
    abstract_from = start
    if start < pdf:
        h = HEADING2.match(lines[start])
        col = h.start("title") if h else 0
        title = t.field("title", start, col, start)
        abstract_from = start + 1
        for j in range(start + 1, pdf):
            a = AUTHORS_LINE.match(lines[j])
            if a:
                authors = t.field("authors", j, a.start("names"), j, a.end("names"))
                abstract_from = j + 1
                break
            if lines[j].strip():
                break
        k = abstract_from
        while k < pdf and not lines[k].strip():
            k += 1
        if k < pdf:
            abstract = t.field("abstract", k, 0, pdf - 1)

    # The generated part: **Summary**, **Key Takeaways**, the digest, the screenshots.
    details = None
    for j in range(pdf + 1, end + 1):
        if DETAILS_OPEN.match(lines[j]):
            details = j
            break
    gen_end = (details - 1) if details is not None else end
    marker = None
    for j in range(pdf + 1, gen_end + 1):
        if "chatpaper" in lines[j].lower() and DIGEST_MARKER.match(lines[j]):
            marker = j
            break
    blocks: list[tuple[str, int, int]] = []  # (kind, line, content column)
    block_end = marker - 1 if marker is not None else gen_end
    for j in range(pdf + 1, block_end + 1):
        b = BLOCK_LABEL.match(lines[j])
        if not b:
            continue
        label = b.group("label")
        kind = "key_takeaways" if TAKEAWAYS_WORDS.search(label) else "summary" if SUMMARY_WORDS.search(label) else None
        if kind and all(k != kind for k, _, _ in blocks):
            blocks.append((kind, j, b.start("rest")))
    heads: list[Head] = []
    digest_from = marker + 1 if marker is not None else None
    if marker is None:
        # No marker: the digest starts at the first labelled section heading after the bold blocks.
        search_from = (blocks[-1][1] + 1) if blocks else pdf + 1
        found = _find_heads(lines, search_from, gen_end + 1, implicit=False)
        if found:
            digest_from = found[0].line_index
    if digest_from is not None:
        heads = _find_heads(lines, digest_from, gen_end + 1)
    fields: dict[str, Field] = {}
    gen_stop = digest_from - 1 if digest_from is not None and marker is None else (marker - 1 if marker is not None
                                                                                   else gen_end)
    for n, (kind, j, col) in enumerate(blocks):
        stop = blocks[n + 1][1] - 1 if n + 1 < len(blocks) else gen_stop
        if lines[j][col:].strip():
            fields[kind] = t.field(kind, j, col, max(j, stop), label=lines[j][:col].strip())
        elif stop > j:
            k = j + 1
            fields[kind] = t.field(kind, k, 0, max(k, stop), label=lines[j].strip(), label_line=j)
        else:
            fields[kind] = Field(kind, "", j + 1, len(lines[j]) + 1, label=lines[j].strip())

    digest = preamble = None
    sections: dict[str, Field] = {}
    if digest_from is not None and digest_from <= gen_end:
        digest = t.field("digest", digest_from, 0, gen_end)
        first = heads[0] if heads else None
        pre_end_line = first.line_index if first else gen_end + 1
        pre_end_col = first.label_start if first else None
        if first is not None and _MARKERS_ONLY.fullmatch(lines[first.line_index][:first.label_start]):
            pre_end_col = None  # only list markers before the label: the heading line is not preamble
        if first is None:
            preamble = t.field("digest_preamble", digest_from, 0, gen_end)
        elif pre_end_line > digest_from or (pre_end_line == digest_from and pre_end_col):
            if pre_end_col:
                preamble = t.field("digest_preamble", digest_from, 0, pre_end_line, pre_end_col)
            else:
                preamble = t.field("digest_preamble", digest_from, 0, pre_end_line - 1)
            if not preamble.text.strip():
                preamble = None
        for n, head in enumerate(heads):
            nxt = heads[n + 1] if n + 1 < len(heads) else None
            if nxt is None:
                stop_line, stop_col = gen_end, None
            elif nxt.line_index == head.line_index:
                stop_line, stop_col = head.line_index, nxt.label_start
            elif nxt.inline:
                stop_line, stop_col = nxt.line_index, nxt.label_start  # merged onto a line with text before it
            else:
                stop_line, stop_col = nxt.line_index - 1, None
            line_text = lines[head.line_index]
            on_line = line_text[head.content_start:] if stop_col is None or stop_line != head.line_index \
                else line_text[head.content_start:stop_col]
            if (stop_line > head.line_index or (stop_line == head.line_index and stop_col is not None)) or \
                    on_line.strip():
                if on_line.strip() or stop_line == head.line_index:
                    fld = t.field(head.section, head.line_index, head.content_start, max(head.line_index, stop_line),
                                  stop_col, label=head.label)
                else:
                    fld = t.field(head.section, head.line_index + 1, 0, max(head.line_index + 1, stop_line),
                                  stop_col, label=head.label, label_line=head.line_index)
            else:
                fld = Field(head.section, "", head.line_index + 1, head.content_start + 1, label=head.label)
            if _PIPELINE_ERROR.search(fld.plain) and not _PIPELINE_ERROR.sub("", fld.plain).strip(" \n\t:：。.()（）"):
                fld = Field(fld.name, "", fld.line, fld.column, fld.label, fld.label_line)
            sections[head.section] = fld

    screenshots = None
    if details is not None:
        close = details
        for j in range(details, end + 1):
            if DETAILS_CLOSE.search(lines[j]):
                close = j
                break
        screenshots = t.field("screenshots", details, 0, close)

    return Entry(
        index=index, line=start + 1, end_line=end + 1, arxiv_id=arxiv_id, version=version, pdf=pdf_field,
        title=title, authors=authors, abstract=abstract, comments=comments,
        summary=fields.get("summary"), key_takeaways=fields.get("key_takeaways"),
        digest=digest, digest_preamble=preamble, sections=MappingProxyType(sections),
        section_order=tuple(h.section for h in heads), screenshots=screenshots,
        text=t.field("entry", start, 0, end),
    )


def parse_post(text: str, path: str = "<text>", encoding: EncodingReport | None = None) -> Post:
    """Parse a post. Never raises on odd input: what it cannot make sense of lands in `Post.problems`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    t = _Text(text)
    front, fm_field, body, problems = _front_matter(t)
    starts = _entry_starts(t, body)
    heading = preamble = None
    first_entry = starts[0][0] if starts else len(t.lines)
    for j in range(body, first_entry):
        m = DATE_HEADING.match(t.lines[j])
        if m and heading is None:
            heading = t.field("heading", j, m.start("text"), j)
    if first_entry > body:
        pre = t.field("preamble", body, 0, first_entry - 1)
        preamble = pre if pre.text.strip() else None
    entries = []
    for n, (start, pdf) in enumerate(starts):
        end = (starts[n + 1][0] - 1) if n + 1 < len(starts) else len(t.lines) - 1
        entries.append(_parse_entry(t, n + 1, start, pdf, end))
    tags = front.get("tags")
    topic = _scalar(front.get("keywords")) or _scalar(tags) or _scalar(front.get("title"))
    return Post(
        path=path, text=text, front_matter=MappingProxyType(front), entries=tuple(entries),
        front_matter_field=fm_field, heading=heading, preamble=preamble,
        title=_scalar(front.get("title")), date=_scalar(front.get("date")), topic=topic,
        encoding=encoding or EncodingReport(), problems=tuple(problems),
    )
