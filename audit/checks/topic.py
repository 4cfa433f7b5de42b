"""Topic: does each paper belong to the post's topic?

The blog publishes one post per topic and day, filled by a keyword search on arXiv; a keyword accident pulls in
papers that share a word with the topic and nothing else ("talker" brings speech recognition into Talking Head
Generation, "GaN" semiconductors into NeRF). A paper is kept on-topic when its title and abstract use at least one
term of the topic's vocabulary (`rules/topics.yaml`; users add topics or terms with the config key `topics`).
The vocabularies are deliberately broad, so adjacent work (3D reconstruction in a NeRF post, diffusion-based
editing in a Diffusion Models post) stays on-topic; a post whose topic is not in the vocabulary is not checked.
"""
from __future__ import annotations


from .. import recache
from ..gazetteer import fold
from ..model import Entry, Post
from ..rules.registry import Examples, Hit, entry_rule

MIN_ABSTRACT = 150  # characters: a shorter (or missing) abstract is too little to call a paper off-topic

# ---------------------------------------------------------------------------------------------------------------
# Matching a topic's terms
#
# The same terms and the same reading as `TopicTerms.matches` (English terms are whole words, spaces and hyphens
# between their words are optional, a plural s/es is accepted, a trailing "*" makes a prefix; Chinese terms are
# substrings), but answered with substring tests on a word-normalised text: about a hundred times faster than one
# regular expression with a look-behind per term, which matters for a rule run on every entry.

_WORDS = recache.compile(r"[a-z0-9]+")


class TermMatcher:
    """`find(text)`: the first term of a topic found in `text`, or None."""

    def __init__(self, topic) -> None:
        self.words: list[tuple[str, tuple[str, ...]]] = []
        for term in dict.fromkeys(t.strip() for t in topic.terms_en if t.strip()):
            low = fold(term).lower()
            prefix = low.endswith("*")
            parts = _WORDS.findall(low.rstrip("*"))
            if not parts:
                continue
            forms = {" ".join(parts)} | ({"".join(parts)} if len(parts) > 1 else set())
            needles = []
            for form in forms:
                if prefix:
                    needles.append(" " + form)
                elif form[-1].isalpha():
                    needles += [f" {form} ", f" {form}s ", f" {form}es "]
                else:
                    needles.append(f" {form} ")
            self.words.append((term, tuple(needles)))
        self.chinese = [t for t in dict.fromkeys(fold(x).lower() for x in topic.terms_zh if x.strip())]

    def find(self, text: str) -> str | None:
        low = fold(text).lower()
        spaced = " " + " ".join(_WORDS.findall(low)) + " "
        for term, needles in self.words:
            if any(n in spaced for n in needles):
                return term
        for term in self.chinese:
            if term in low:
                return term
        return None


_MATCHERS: dict = {}


def matcher(topic) -> TermMatcher:
    key = (topic.id, topic.terms_en, topic.terms_zh)
    if key not in _MATCHERS:
        _MATCHERS[key] = TermMatcher(topic)
    return _MATCHERS[key]


_CACHE: dict = {"post": None, "topic": None}


def post_topic(post: Post, topics):
    """The topic of a post, from its front matter (keywords, tags, title), or None when no known topic is named."""
    fm = post.front_matter or {}
    names: list[str] = []
    for value in (post.topic, fm.get("keywords"), fm.get("tags"), fm.get("title"), post.title):
        if isinstance(value, (list, tuple)):
            names.extend(str(v) for v in value if v)
        elif value:
            names.append(str(value))
    return topics.topic_for(*names) if names else None


def _topic(ctx):
    post = ctx.post
    if _CACHE["post"] is not post or post is None:
        _CACHE["post"], _CACHE["topic"] = post, (post_topic(post, ctx.topics) if post is not None else None)
    return _CACHE["topic"]


def _shown_name(post: Post, topic) -> str:
    return str(post.topic or (topic.names[0] if topic.names else topic.id))


@entry_rule("TOP001", name="off-topic-paper", category="off-topic", severity="warning",
            message="the paper does not belong to the post's topic",
            examples=Examples(
                bad=({"header_title": "Prompted Whisper for Overlapped Multi-Talker Speech Recognition",
                      "abstract": ("Recognising overlapped speech from several talkers remains hard for automatic "
                                   "speech recognition. We prompt a pretrained Whisper model with speaker cues and "
                                   "decode each talker separately, lowering the word error rate by 18% on two "
                                   "meeting corpora."),
                      "comments": "Submitted to ICASSP 2025",
                      "summary": "提出一种基于提示的多说话者语音识别方法。",
                      "key_takeaways": "1. 使用提示引导Whisper。\n2. 词错误率降低18%。",
                      "title": "基于提示的Whisper多说话者语音识别", "keywords": "语音识别、多说话者"},
                     {"front_title": "NeRF", "header_title": "A Wide-Bandgap GaN Transistor Model for Power Circuits",
                      "abstract": ("Gallium nitride (GaN) transistors switch faster than silicon devices. We fit a "
                                   "compact model of a GaN high-electron-mobility transistor to measured switching "
                                   "curves and use it to size the gate driver of a 48 V power converter with less "
                                   "than 3% error."),
                      "summary": "提出一种氮化镓晶体管的紧凑模型。", "key_takeaways": "1. 模型误差小于3%。",
                      "title": "氮化镓晶体管模型", "keywords": "氮化镓、功率电路"}),
                good=({},
                      {"header_title": "Audio-Driven 3D Gaussian Head Avatars",
                       "abstract": ("We drive a 3D Gaussian head avatar from speech audio. A small transformer maps "
                                    "audio features to expression codes of a parametric face model, and the "
                                    "Gaussians follow the face mesh, rendering 60 frames per second.")},
                      {"front_title": "Robotics",
                       "header_title": "Prompted Whisper for Overlapped Multi-Talker Speech Recognition",
                       "abstract": ("Recognising overlapped speech from several talkers remains hard for automatic "
                                    "speech recognition. We prompt a pretrained Whisper model with speaker cues and "
                                    "decode each talker separately, lowering the word error rate by 18%.")},
                      {"header_title": "Prompted Whisper for Overlapped Multi-Talker Speech Recognition",
                       "abstract": "Speech recognition for meetings."})))
def off_topic(entry: Entry, ctx):
    """A paper whose title and abstract share no term with the post's topic was pulled in by a keyword accident — a
    domain-adaptation paper titled "CLIP Talks …" or a multi-talker speech recognition paper in a Talking Head
    Generation post, a GaN-transistor paper in a NeRF post. The topic comes from the post's front matter (keywords,
    tags, title); its vocabulary from `rules/topics.yaml` (extend it with the config key `topics`). With arXiv
    metadata (`--online`) the arXiv title and abstract count too, and the message names the paper's arXiv categories.
    To stay precise the rule is silent when the topic is unknown, when the header title is missing or the abstract
    is missing or very short (without arXiv metadata to stand in for them), and when the generated Summary, Key
    Takeaways or Keywords use a term of the topic (the generator read the whole paper)."""
    topic = _topic(ctx)
    if topic is None:
        return
    record = ctx.metadata.get(entry.arxiv_id) if entry.arxiv_id and ctx.metadata else None
    title = entry.title.plain.strip() if entry.title is not None else ""
    abstract = entry.abstract.plain.strip() if entry.abstract is not None else ""
    texts = [title, abstract]
    if record is not None:
        texts += [getattr(record, "title", "") or "", getattr(record, "summary", "") or ""]
    if len(max(abstract, texts[-1] if record is not None else "", key=len)) < MIN_ABSTRACT or not (title or record):
        return
    terms = matcher(topic)
    if any(terms.find(t) for t in texts if t):  # the title alone settles most papers
        return
    generated = [f.plain for f in (entry.summary, entry.key_takeaways, entry.sections.get("keywords")) if f is not None]
    if generated and terms.find("\n".join(generated)):
        return
    name = _shown_name(ctx.post, topic)
    sample = ", ".join(t.rstrip("*") for t in topic.terms_en[:4])
    message = (f"paper looks off-topic for a '{name}' post: its title and abstract use none of the topic's terms "
               f"({sample}, …)")
    if record is not None and getattr(record, "categories", None):
        cats = ", ".join(record.categories)
        outside = not set(record.categories) & set(topic.categories)
        message += f"; arXiv files it under {cats}" + (", outside the topic's usual categories" if outside else "")
    if entry.title is not None and entry.title.present:
        yield Hit(field=entry.title, start=0, end=len(entry.title.text.rstrip()), message=message)
    else:
        yield Hit(line=entry.line, excerpt=entry.pdf.text, message=message)
