"""Recover UTF-8 text that was decoded with a legacy single-byte code page and saved again ("mojibake").

The hard case this module exists for: the wrong decoder *dropped* bytes. Windows code pages leave a few byte values
undefined (cp1252: 0x81 0x8D 0x8F 0x90 0x9D; cp1254 adds 0x8E 0x9E), and `decode(..., errors="ignore")` deletes
them; tools that strip soft hyphens delete 0xAD too. A Chinese character is three UTF-8 bytes, two of them
continuation bytes in 0x80-0xBF, so roughly one character in eight loses a byte and no longer decodes. `ftfy` can
only re-encode what is there; it restores almost no Chinese line of such a text.

How the recovery works:

1. `looks_like_mojibake` is a cheap regex test for UTF-8 lead/continuation byte patterns spelled in code-page
   characters ("å‘", "æ–¹"). Clean Chinese or English text (also with "café", "–", "“quotes”") does not match.
2. The code page is detected, not assumed: every candidate code page re-encodes the suspicious lines; the one whose
   bytes form the most valid UTF-8 sequences wins, with penalties for characters it cannot encode and for byte values
   it defines but that never occur although many continuation bytes do (evidence that they were dropped, which is
   how cp1254 is told from cp1252). The dropped set is the code page's undefined bytes, plus 0xAD when the text has
   no soft hyphen.
3. Each run of mojibake characters is re-encoded to bytes and decoded with a Viterbi search over a byte lattice:
   from each position, an edge is a UTF-8 character made of the next bytes plus dropped-byte values inserted at any
   position of the sequence (lead or continuation, up to two per character). Paths through the lattice are scored as
   a sequence of words with a class-based word bigram model: word frequencies and parts of speech from jieba's
   dictionary (plus a small vocabulary of ML-paper words it under-rates), tag transitions across word boundaries from
   jieba's part-of-speech HMM, character priors for punctuation, symbols and emoji, and two clause-level cues
   ("在 … 中" frames, "X 与 Y" coordination). The model is built lazily, once per process, only when a text needs
   repair. Because UTF-8 is self-synchronising, damage stays local, and the search picks the best segmentation of
   the whole run rather than a greedy per-character choice.
4. Confidence of each ambiguous choice is its max-marginal posterior (forward + backward pass); a line's confidence
   is the minimum over its choices.

Known limit: some characters are indistinguishable at the byte level (与 E4 B8 8E, 不 E4 B8 8D and 中 E4 B8 AD all
become "ä¸" under cp1254) and only context can choose; a dictionary-based model gets most but not all of them.

When no bytes were dropped, `ftfy.fix_encoding` does the job and is used line by line.
"""
from __future__ import annotations

import math
import os
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, product
from typing import Sequence

__all__ = ["LineRepair", "Recovery", "looks_like_mojibake", "recover", "CODECS"]


@dataclass(frozen=True)
class LineRepair:
    line: int  # 1-based line number in the text
    original: str  # the broken line as it was
    repaired: str  # the repaired line
    confidence: float  # 0..1: the lowest posterior of the line's ambiguous choices (1.0 when nothing was guessed)


@dataclass(frozen=True)
class Recovery:
    text: str  # the whole repaired text (same number of lines as the input)
    codec: str | None  # the legacy code page detected, e.g. "cp1254"; None when not mojibake
    lines: tuple[LineRepair, ...]  # one per changed line
    dropped_bytes: tuple[int, ...]  # the byte values assumed dropped


# Candidate code pages, most common first: ties (a text that uses no distinguishing byte) go to the earlier one.
CODECS: tuple[str, ...] = ("cp1252", "cp1254", "cp1250", "cp1251", "cp1257", "cp1253", "cp1255", "cp1256",
                           "cp1258", "cp874", "latin-1", "iso8859-15", "iso8859-2")

_SOFT_HYPHEN = 0xAD
_MAX_INSERTIONS = 2  # dropped bytes per character the search will put back
_FALLBACK_COST = 25.0  # nats for leaving a byte as its code-page character (no plausible character fits)
_INSERTION_COST = 0.3  # nats per inserted byte: prefers explanations that need fewer dropped bytes
_BEAM = 16
_FRAME_BONUS = 1.5  # nats for a locative word (中, 上, 内 …) inside a clause that 在 opened
_COORDINATION_BONUS = 0.75  # nats when the words on both sides of 与/和/及 are of one class (noun and noun …)
_COORDINATORS = frozenset({"与", "和", "及", "以及", "或", "或者", "并"})


@dataclass(frozen=True)
class _CodePage:
    name: str
    to_byte: dict[str, int]  # code-page character -> byte, for bytes 0x80-0xFF
    to_char: dict[int, str]
    undefined: frozenset[int]


@lru_cache(maxsize=None)
def _code_page(name: str) -> _CodePage:
    to_byte: dict[str, int] = {}
    to_char: dict[int, str] = {}
    undefined = set()
    for b in range(0x80, 0x100):
        try:
            ch = bytes([b]).decode(name)
        except UnicodeDecodeError:
            undefined.add(b)
            continue
        to_char[b] = ch
        to_byte.setdefault(ch, b)
    return _CodePage(name, to_byte, to_char, frozenset(undefined))


def _char_class(chars: set[str]) -> str:
    return "".join(re.escape(c) for c in sorted(chars))


@lru_cache(maxsize=None)
def _pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """UTF-8 lead byte followed by the right number of continuation bytes, spelled in code-page characters."""
    lead2, lead3, lead4, cont = set(), set(), set(), set()
    for name in names:
        cp = _code_page(name)
        for b, ch in cp.to_char.items():
            if 0xC2 <= b <= 0xDF:
                lead2.add(ch)
            elif 0xE0 <= b <= 0xEF:
                lead3.add(ch)
            elif 0xF0 <= b <= 0xF4:
                lead4.add(ch)
            elif b <= 0xBF:
                cont.add(ch)
    c = f"[{_char_class(cont)}]"
    return re.compile(f"(?P<long>[{_char_class(lead3)}]{c}{{2}}|[{_char_class(lead4)}]{c}{{3}})"
                      f"|(?P<short>[{_char_class(lead2)}]{c})")


@lru_cache(maxsize=None)
def _pair_pattern(name: str) -> re.Pattern[str]:
    """A lead byte followed by at least one continuation byte: the weakest sign a line holds mojibake."""
    cp = _code_page(name)
    leads = {ch for b, ch in cp.to_char.items() if 0xC2 <= b <= 0xF4}
    conts = {ch for b, ch in cp.to_char.items() if b <= 0xBF}
    return re.compile(f"[{_char_class(leads)}][{_char_class(conts)}]")


def looks_like_mojibake(text: str) -> bool:
    """True when `text` holds UTF-8 byte sequences spelled in code-page characters ("æ–¹æ³•").

    One complete three- or four-byte sequence, or two two-byte sequences, are enough; a lone "é", "´", "–" or
    "“quotes”" never is.
    """
    if text.isascii():
        return False
    short = 0
    for m in _pattern(CODECS).finditer(text):
        if m.group("long"):
            return True
        short += 1
        if short >= 2:
            return True
    return False


# --------------------------------------------------------------------------------------------------------------
# Language model
# --------------------------------------------------------------------------------------------------------------

# Relative frequencies of punctuation and symbols in Chinese prose (our own rough estimates; the word dictionary
# holds none of them). Their probabilities are per character of running text.
_PUNCTUATION_PRIOR: dict[str, float] = {
    "，": 3e-2, "。": 2.5e-2, "：": 1e-2, "、": 6e-3, "（": 5e-3, "）": 5e-3, "；": 1e-3, "！": 5e-4, "“": 5e-4,
    "”": 5e-4, "？": 3e-4, "—": 3e-4, "《": 2e-4, "》": 2e-4, "…": 2e-4, "·": 2e-4, "【": 2e-4, "】": 2e-4,
    "‘": 1e-4, "’": 1e-4, "•": 1e-4, "「": 5e-5, "」": 5e-5, "『": 3e-5, "』": 3e-5, "～": 5e-5, "％": 3e-5,
    "×": 5e-5, "→": 3e-5, "\u3000": 2e-5, "\u200b": 3e-5, "−": 2e-5, "°": 2e-5, "±": 1e-5, "≤": 1e-5, "≥": 1e-5,
    "①": 1e-5, "②": 1e-5, "③": 1e-5, "④": 1e-5, "⑤": 1e-5, "–": 2e-5, "™": 5e-6, "©": 5e-6, "®": 5e-6,
}
# Emoji that digest templates and chat-style writing use a lot.
_COMMON_EMOJI = "⭐✅❌✨⚠⚡❤☀✔✏➡⬆⬇🔴🟢🔵💗💡📌📖📝📚🚀🔥👉👍🎉🤖💻🔗📄📊⏰🏆"
_EMOJI_PRIOR = 2e-5
_CJK_MASS = 0.85  # share of running text that is Chinese characters
# Vocabulary of machine-learning paper digests that a general-purpose dictionary under-rates, written for this tool
# (not taken from any post). Each tier is (frequency on the scale of jieba's dictionary, tag, words).
_DOMAIN_TIERS: tuple[tuple[int, str, str], ...] = (
    (40000, "n", "模型 方法 数据 数据集 任务 性能 框架 架构 网络 图像 视频 音频 语音 文本 特征 结果 实验 算法 技术"
                 " 系统 模块 机制 场景 领域 应用 问题 挑战 效果 质量 效率 精度 表示 参数 损失 指标 基准 论文"),
    (15000, "n", "神经网络 注意力 注意力机制 表征 嵌入 向量 损失函数 目标函数 基线 局限 局限性 优势 贡献 创新点"
                 " 准确率 准确性 鲁棒性 泛化能力 一致性 真实感 保真度 分辨率 多样性 可控性 可扩展性 稳定性 复杂度"
                 " 计算量 工作量 计算成本 开销 内存 速度 帧率 延迟 三维 二维 高斯 点云 网格 纹理 几何 形状 外观"
                 " 光照 视角 视图 新视角 辐射场 神经辐射场 体素 深度 深度图 相机 位姿 姿态 运动 动作 表情 面部"
                 " 人脸 头部 唇形 唇部 口型 身体 手势 头发 发型 服装 虚拟人 数字人 化身 角色 说话人 说话者 头像"
                 " 肖像 扩散模型 生成模型 生成器 判别器 编码器 解码器 变换器 潜在空间 隐空间 条件 提示 提示词"
                 " 噪声 先验 分布 概率 语音识别 语音合成 音素 韵律 情感 情绪 音色 声音 大语言模型 语言模型 多模态"
                 " 视觉 语言 大模型 知识 令牌 水印 成像 图像生成 视频生成 用户研究 消融实验 进步 步骤 时间步"
                 " 位置 位置编码 通道 偏差 偏好 隐私 流程 管道 管线 光流 主流 流形 阶段 层次 分支 权重 梯度"
                 " 样本 标签 标注 监督 基础模型 骨干网络 主干网络 卷积 变分 自编码器 反演 逆向 反向传播 前向"
                 " 关键点 关键帧 区域 掩码 遮挡 背景 前景 细节 伪影 失真 信号 频率 频谱 时序 序列 片段 场"),
    (15000, "v", "提出 引入 设计 构建 实现 采用 利用 使用 结合 融合 整合 提高 提升 改善 改进 增强 优化 降低 减少"
                 " 解决 克服 缓解 处理 捕捉 捕获 学习 训练 生成 合成 渲染 重建 预测 估计 评估 验证 证明 表明 显示"
                 " 展示 探索 分析 讨论 测试 比较 超越 优于 达到 取得 获得 保持 保留 支持 控制 驱动 编辑 迁移"
                 " 适应 扩展 部署 应用 微调 预训练 推理 对齐 检索 去噪 采样 分割 检测 识别 跟踪 分类 编码 解码"
                 " 映射 投影 对比 匹配 同步 建模 仿真 模拟 量化 蒸馏 压缩 加速 隐藏 嵌入 提取 选择 构造 呈现"),
    (15000, "a", "高质量 低质量 逼真 真实 自然 流畅 连贯 精细 细粒度 复杂 多样 丰富 稳定 鲁棒 高效 有效 准确 精确"
                 " 显著 实时 隐式 显式 端到端 个性化 可控 一致 新颖 现有 先进 最先进 低秩 高保真"),
    (15000, "d", "进一步 同时 均 仍 仍然 仍需 尤其 分别 首先 然后 最后 显著 广泛 不再 不断 并不"),
    (8000, "a", "不佳 不足 不高 不明确 不一致 不理想 不透明 不稳定 不准确 不完整 不自然 不同"),
    (8000, "n", "发丝 发束 道路 低光 低光照 低分辨率 低比特 低维 反向 反转 掩膜 初步 一步 时间步 步长 字幕"
                " 分块 图像块 块 模块化 卷积核 迭代 训练集 测试集 验证集 可读性 可解释性 可视化 量化 变量 数量 质量评估"),
    (15000, "c", "此外 然而 因此 从而 以及 并且 其中 同时 但是 而且 并 及"),
    (15000, "r", "此 该 其 这些 这种"),
    (400000, "p", "与"),
    (200000, "c", "与"),
    (300000, "f", "中"),
)


# A variation selector or joiner only follows an emoji-like character.
_VS16 = "\ufe0f"
_ZWJ = "\u200d"


_EMOJI_BLOCKS = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x2190, 0x21FF), (0x2300, 0x23FF),
                 (0x25A0, 0x25FF), (0x2900, 0x297F))
_EMOJI_SINGLES = frozenset({0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D, 0x3297, 0x3299, 0xA9, 0xAE})


def _is_emoji_like(ch: str) -> bool:
    """Characters that take a variation selector (VS16) or join emoji sequences (ZWJ)."""
    o = ord(ch)
    return o in _EMOJI_SINGLES or any(lo <= o <= hi for lo, hi in _EMOJI_BLOCKS)


def _class_prior(ch: str) -> float:
    """Probability of a character the dictionary does not know, by Unicode block and category."""
    o = ord(ch)
    if 0x4E00 <= o <= 0x9FFF:
        return 1e-9
    if 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF:
        return 1e-11
    if ch in _COMMON_EMOJI:
        return _EMOJI_PRIOR
    cat = unicodedata.category(ch)
    if cat == "Cn":
        return 1e-15
    if cat == "Co" or cat == "Cs":
        return 1e-14
    if cat == "Cc":
        return 1e-13
    if cat in ("Cf", "Mn", "Me", "Mc"):
        return 1e-10
    if cat == "So":
        return 1e-6 if _is_emoji_like(ch) else 5e-8
    if cat == "Sm":
        return 3e-7
    if 0x00C0 <= o <= 0x024F or 0x0370 <= o <= 0x03FF:  # accented Latin, Greek (math symbols in abstracts)
        return 3e-7
    if 0x1D400 <= o <= 0x1D7FF:  # mathematical alphanumerics
        return 1e-7
    if 0xFF01 <= o <= 0xFF5E:  # full-width ASCII
        return 3e-8
    if 0x3040 <= o <= 0x30FF:  # kana
        return 3e-8
    if cat.startswith("P") or cat.startswith("S"):
        return 3e-8
    if cat == "Zs":
        return 1e-9
    return 1e-9


class _LanguageModel:
    """A class-based word bigram model of Chinese built from jieba's data, once per process.

    P(w_i | w_i-1) = P(tag_i | tag_i-1) * P(w_i | tag_i): word frequencies and parts of speech come from jieba's
    dictionary (word freq tag per line), tag transitions across word boundaries from jieba's part-of-speech HMM
    (trained on running text). Words know that 语音 beats 话音; tags know that a preposition (与) sits between two
    nouns where a negation (不) does not. Characters that are no word (punctuation, symbols, rare characters) are
    single tokens scored by a character prior.
    """

    def __init__(self, words: dict[str, tuple[tuple[float, str], ...] | None], chars: dict[str, float],
                 trans: dict[str, dict[str, float]], start: dict[str, float]) -> None:
        self.words = words  # word -> ((-log P(word | tag), tag), ...); None for a prefix that is no word
        self._chars = chars  # character -> P(character) in running text
        self._trans = trans  # tag -> next tag -> -log P
        self._start = start  # tag -> -log P(tag) after a sentence or token boundary
        self._trans_floor = 12.0
        self._char_cost_cache: dict[str, float] = {}
        self._tags: set[str] | None = None

    @classmethod
    def from_jieba(cls) -> _LanguageModel:
        import importlib.util
        import pickle

        spec = importlib.util.find_spec("jieba")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("jieba is not installed: the mojibake recovery needs its dictionary")
        root = list(spec.submodule_search_locations)[0]
        with open(os.path.join(root, "dict.txt"), encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        raw: dict[str, list[tuple[int, str]]] = {}
        tag_total: dict[str, int] = {}
        for line in lines:
            parts = line.split(" ")
            if len(parts) < 3 or parts[0].isascii():
                continue
            word, freq, tag = parts[0], int(parts[1]), parts[2]
            if freq > 0:
                raw.setdefault(word, []).append((freq, tag))
                tag_total[tag] = tag_total.get(tag, 0) + freq
        for freq, tag, listed in _DOMAIN_TIERS:
            for word in listed.split():
                raw.setdefault(word, []).append((freq, tag))
                tag_total[tag] = tag_total.get(tag, 0) + freq
        log_total = {tag: math.log(n) for tag, n in tag_total.items()}
        log = math.log
        words: dict[str, tuple[tuple[float, str], ...] | None] = {}
        for word, senses in raw.items():
            if len(senses) == 1:
                freq, tag = senses[0]
                words[word] = ((log_total[tag] - log(freq), tag),)
            else:
                merged: dict[str, int] = {}
                for freq, tag in senses:
                    merged[tag] = merged.get(tag, 0) + freq
                words[word] = tuple((log_total[tag] - log(freq), tag) for tag, freq in merged.items())
        prefixes = {word[:k] for word in raw if len(word) > 1 for k in range(1, len(word))}
        for prefix in prefixes.difference(words):
            words[prefix] = None
        # Characters that are no word of their own are rare: a rough prior from how many words use them.
        uses = Counter("".join(raw))
        char_prob = {c: min(1e-5, 2e-8 * n) for c, n in uses.items() if c > "\u2e80" and c not in raw}
        char_prob.update(_PUNCTUATION_PRIOR)
        with open(os.path.join(root, "posseg", "prob_trans.p"), "rb") as fh:
            hmm_trans = pickle.load(fh)
        with open(os.path.join(root, "posseg", "prob_start.p"), "rb") as fh:
            hmm_start = pickle.load(fh)
        trans, start = _tag_transitions(hmm_trans, hmm_start)
        return cls(words, char_prob, trans, start)

    def char_cost(self, ch: str) -> float:
        cost = self._char_cost_cache.get(ch)
        if cost is None:
            p = self._chars.get(ch)
            cost = -math.log(p if p is not None else _class_prior(ch))
            self._char_cost_cache[ch] = cost
        return cost

    def transition(self, prev: str | None, tag: str) -> float:
        """-log P(tag | previous tag); None or a non-word before means a fresh start."""
        if tag == _OTHER:
            return 0.0
        if tag == _PUNCT:
            return _CLAUSE_END_COST.get(prev, 0.5) if prev is not None else 0.5
        row = self._trans.get(prev) if prev is not None and prev not in (_PUNCT, _OTHER) else None
        if row is None:
            row = self._start
        return row.get(tag, _UNKNOWN_TAG_COST)

    def tags(self) -> set[str]:
        if self._tags is None:
            found = {_PUNCT, _OTHER}
            for senses in self.words.values():
                if senses:
                    found.update(tag for _, tag in senses)
            self._tags = found
        return self._tags


def _coarse(tag: str | None) -> str:
    """Word class for coordination: content words (nouns and verbs, which Chinese coordinates freely: 检测与推理,
    实验与评估), adjectives, or other."""
    if not tag or tag[0] in "<&":
        return "o"
    if tag[0] in "nv":
        return "n"
    return "a" if tag[0] == "a" else "o"


_PUNCT = "<p>"  # clause punctuation: the next word starts afresh
_OTHER = "<o>"  # symbols, emoji, letters and other non-words
_UNKNOWN_TAG_COST = 3.5
# How unlikely a clause ends right after a word of each tag (nats): adverbs, prepositions, conjunctions and particles
# lead into what follows; nouns, verbs and the like end clauses all the time.
_CLAUSE_END_COST = {"d": 3.0, "p": 4.0, "c": 3.0, "uj": 4.0, "ud": 3.0, "uv": 3.0, "uz": 2.0, "b": 2.0, "q": 1.5}




def _tag_transitions(hmm_trans: dict, hmm_start: dict) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Word-level tag bigram from the HMM over (B/M/E/S, tag) states: leave a word at E or S, enter at B or S."""
    tags = {t for _, t in hmm_trans}
    # Tags the HMM barely saw (jieba's dictionary uses "zg" for thousands of words the HMM corpus tagged otherwise):
    # their transitions are noise, so they get the generic cost both ways.
    seen_into: dict[str, int] = {}
    for row_ in hmm_trans.values():
        for (_, t2) in row_:
            seen_into[t2] = seen_into.get(t2, 0) + 1
    weak = {t for t in tags if seen_into.get(t, 0) < 20}
    # Stationary weights of the states, to mix the E- and S- exits of a tag.
    prior = {s: 1.0 / len(hmm_trans) for s in hmm_trans}
    for _ in range(40):
        nxt = dict.fromkeys(hmm_trans, 0.0)
        for s, w in prior.items():
            for s2, lp in hmm_trans[s].items():
                if s2 in nxt:
                    nxt[s2] += w * math.exp(lp)
        z = sum(nxt.values()) or 1.0
        prior = {s: v / z for s, v in nxt.items()}
    trans: dict[str, dict[str, float]] = {}
    for t1 in tags:
        row: dict[str, float] = {}
        weight_total = 0.0
        for pos in ("E", "S"):
            state = (pos, t1)
            w = prior.get(state, 0.0)
            if w <= 0:
                continue
            weight_total += w
            for (pos2, t2), lp in hmm_trans.get(state, {}).items():
                if pos2 in ("B", "S"):
                    row[t2] = row.get(t2, 0.0) + w * math.exp(lp)
        if weight_total > 0:
            z = sum(row.values()) or 1.0
            trans[t1] = {t2: -math.log(p / z) for t2, p in row.items() if p > 0 and t2 not in weak}
    start_p: dict[str, float] = {}
    for (pos, t), lp in hmm_start.items():
        if pos in ("B", "S") and lp > -1e10:
            start_p[t] = start_p.get(t, 0.0) + math.exp(lp)
    z = sum(start_p.values()) or 1.0
    start = {t: -math.log(p / z) for t, p in start_p.items() if p > 0 and t not in weak}
    for t in weak:
        trans.pop(t, None)
    return trans, start


_MODEL: _LanguageModel | None = None
_MODEL_LOCK = threading.Lock()


def _model() -> _LanguageModel:
    global _MODEL
    if _MODEL is None:
        with _MODEL_LOCK:
            if _MODEL is None:
                _MODEL = _cached_model()
    return _MODEL


def _model_cache_path() -> str | None:
    """Where the built model is kept between runs: keyed by jieba's dictionary and this module's own word lists,
    so a new jieba or a changed vocabulary builds it afresh."""
    import hashlib
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        return None
    dict_path = os.path.join(list(spec.submodule_search_locations)[0], "dict.txt")
    try:
        st = os.stat(dict_path)
    except OSError:
        return None
    key = hashlib.sha1(repr((st.st_size, st.st_mtime_ns, _DOMAIN_TIERS, sorted(_PUNCTUATION_PRIOR.items())))
                       .encode("utf-8")).hexdigest()[:16]
    folder = os.environ.get("AUDIT_CACHE_DIR")
    if not folder:
        try:
            import platformdirs
            folder = platformdirs.user_cache_dir("audit")
        except ImportError:
            return None
    return os.path.join(folder, f"mojibake-model-{key}.pickle")


def _cached_model() -> _LanguageModel:
    """The model from the on-disk cache (about 0.3 s) or built from jieba (about 1.5 s) and then cached.
    A cache that cannot be read or written is ignored: the model is simply built."""
    import pickle

    path = _model_cache_path()
    if path is not None:
        try:
            with open(path, "rb") as fh:
                words, chars, trans, start = pickle.load(fh)
            return _LanguageModel(words, chars, trans, start)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError, AttributeError):
            pass
    model = _LanguageModel.from_jieba()
    if path is not None:
        try:
            from pathlib import Path

            from .fsutil import atomic_write_bytes

            Path(path).parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(Path(path), pickle.dumps((model.words, model._chars, model._trans, model._start),
                                                        protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass
    return model


# --------------------------------------------------------------------------------------------------------------
# Code page detection
# --------------------------------------------------------------------------------------------------------------

def _utf8_length(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _is_cont(b: int) -> bool:
    return 0x80 <= b <= 0xBF


@dataclass
class _Evidence:
    codec: str
    valid: int = 0  # complete multi-byte sequences
    short: int = 0  # sequences missing continuation bytes
    stray: int = 0  # continuation bytes without a lead, impossible lead bytes
    unencodable: int = 0  # non-ASCII characters the code page cannot produce
    absent_penalty: float = 0.0
    dropped: tuple[int, ...] = ()

    @property
    def score(self) -> float:
        # A short sequence is only evidence if the code page can explain it with its dropped bytes.
        explained_short = self.short if self.dropped else -self.short
        return self.valid + 0.5 * explained_short - 2.0 * self.stray - 2.0 * self.unencodable - self.absent_penalty


def _encode_runs(line: str, cp: _CodePage) -> list[tuple[int, int, bytes]]:
    """Maximal runs of non-ASCII characters the code page can encode: (start, end, bytes)."""
    runs = []
    start = None
    buf = bytearray()
    for i, ch in enumerate(line):
        b = cp.to_byte.get(ch) if ch >= "\x80" else None
        if b is not None:
            if start is None:
                start = i
                buf = bytearray()
            buf.append(b)
        elif start is not None:
            runs.append((start, i, bytes(buf)))
            start = None
    if start is not None:
        runs.append((start, len(line), bytes(buf)))
    return runs


def _scan(data: bytes, counts: list[int], ev: _Evidence) -> None:
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if _is_cont(b):
            counts[b] += 1
        length = _utf8_length(b)
        if length == 0:
            ev.stray += 1
            i += 1
            continue
        j = i + 1
        while j < n and j - i < length and _is_cont(data[j]):
            counts[data[j]] += 1
            j += 1
        if j - i == length:
            try:
                data[i:j].decode("utf-8")
                ev.valid += 1
            except UnicodeDecodeError:
                ev.stray += 1
        else:
            ev.short += 1
        i = j


def _sample(lines: list[str], indexes: list[int], budget: int = 40_000) -> list[str]:
    """Enough suspicious lines to tell the code pages apart (evenly spread, about `budget` characters)."""
    total = sum(len(lines[k]) for k in indexes)
    if total <= budget:
        return [lines[k] for k in indexes]
    stride = total / budget
    return [lines[k] for n, k in enumerate(indexes) if int(n / stride) != int((n + 1) / stride) or n == 0]


def _detect(lines: list[str], text: str) -> _Evidence | None:
    best: _Evidence | None = None
    for name in CODECS:
        cp = _code_page(name)
        ev = _Evidence(name)
        counts = [0] * 256
        for line in lines:
            for ch in line:
                if ch >= "\x80" and ch not in cp.to_byte:
                    ev.unencodable += 1
            for _, _, data in _encode_runs(line, cp):
                _scan(data, counts, ev)
        if ev.valid + ev.short == 0:
            continue
        dropped = set(cp.undefined)
        # Continuation byte values the code page defines but that never occur, although the text has plenty of
        # continuation bytes, were most likely deleted on the way (soft hyphens, or the text went through a code
        # page with more undefined bytes than this one).
        defined = [b for b in range(0x80, 0xC0) if b not in cp.undefined]
        seen = sum(counts[b] for b in defined)
        expected = 0.5 * seen / max(1, len(defined))
        for b in defined:
            if counts[b] == 0:
                ev.absent_penalty += expected
                if b == _SOFT_HYPHEN or expected >= 5:
                    dropped.add(b)
        if _SOFT_HYPHEN in cp.to_char and "\u00ad" not in text:
            dropped.add(_SOFT_HYPHEN)
        ev.dropped = tuple(sorted(dropped))
        if best is None or ev.score > best.score:
            best = ev
    if best is None or best.score <= 0:
        return None
    return best


# --------------------------------------------------------------------------------------------------------------
# Lattice decoding
# --------------------------------------------------------------------------------------------------------------

class _Decoder:
    def __init__(self, cp: _CodePage, dropped: tuple[int, ...], model: _LanguageModel) -> None:
        self.cp = cp
        self.model = model
        self.dropped_cont = tuple(b for b in dropped if _is_cont(b))
        self.dropped_lead = tuple(b for b in dropped if _utf8_length(b))
        self._edge_cache: dict[bytes, tuple[tuple[int, str, float], ...]] = {}
        self._rows: dict[str | None, dict[str, float]] = {}
        self._singles: dict[str, tuple[str, float, bool]] = {}

    def _candidates(self, window: bytes) -> tuple[tuple[int, str, float], ...]:
        """Characters that can start at window[0]: (bytes consumed, character, insertion cost)."""
        cached = self._edge_cache.get(window)
        if cached is not None:
            return cached
        found: dict[tuple[int, str], float] = {}
        first = window[0]
        heads: list[tuple[int, int, int]] = []  # (lead byte, bytes consumed by the lead, insertions for it)
        if _utf8_length(first):
            heads.append((first, 1, 0))
        if _is_cont(first):
            heads.extend((lead, 0, 1) for lead in self.dropped_lead)
        for lead, used, lead_ins in heads:
            length = _utf8_length(lead)
            avail = 0
            while used + avail < len(window) and avail < length - 1 and _is_cont(window[used + avail]):
                avail += 1
            takes = [avail] if not self.dropped_lead else range(avail, -1, -1)
            for take in takes:
                missing = length - 1 - take
                if missing + lead_ins > _MAX_INSERTIONS or (missing and not self.dropped_cont):
                    continue
                present = window[used:used + take]
                for slots in combinations(range(length - 1), missing):
                    for values in product(self.dropped_cont, repeat=missing):
                        seq = bytearray([lead])
                        it_present = iter(present)
                        it_values = iter(values)
                        for s in range(length - 1):
                            seq.append(next(it_values) if s in slots else next(it_present))
                        try:
                            ch = bytes(seq).decode("utf-8")
                        except UnicodeDecodeError:
                            continue
                        key = (used + take, ch)
                        cost = (missing + lead_ins) * _INSERTION_COST
                        if cost < found.get(key, math.inf):
                            found[key] = cost
        edges = tuple((consumed, ch, cost) for (consumed, ch), cost in found.items())
        self._edge_cache[window] = edges
        return edges

    def _char_edges(self, data: bytes) -> list[list[tuple[int, str, float]]]:
        n = len(data)
        edges: list[list[tuple[int, str, float]]] = [[] for _ in range(n)]
        for i in range(n):
            for consumed, ch, cost in self._candidates(data[i:i + 4]):
                edges[i].append((i + consumed, ch, cost))
            edges[i].append((i + 1, self.cp.to_char.get(data[i], "\ufffd"), _FALLBACK_COST))
        return edges

    def _single(self, char_edges: list[list[tuple[int, str, float]]], pos: int, j: int, ch: str,
                cost: float, out: list) -> None:
        """A character that is no word: punctuation, or a symbol (an emoji takes a following VS16 or ZWJ along)."""
        info = self._singles.get(ch)
        if info is None:
            tag = _PUNCT if unicodedata.category(ch).startswith("P") else _OTHER
            info = self._singles[ch] = (tag, self.model.char_cost(ch), _is_emoji_like(ch))
        tag, own, emoji = info
        out.append((j, ch, tag, cost + own, (pos,)))
        if emoji and j < len(char_edges):
            for k, nxt, extra in char_edges[j]:
                if nxt in (_VS16, _ZWJ) and extra < _FALLBACK_COST:
                    out.append((k, ch + nxt, _OTHER, cost + extra + own + 0.1, (pos, j)))

    def _tokens(self, char_edges: list[list[tuple[int, str, float]]],
                i: int) -> list[tuple[int, str, str, float, tuple[int, ...]]]:
        """Tokens starting at byte i: (end, text, tag, cost without transition, start of each character)."""
        words = self.model.words
        n = len(char_edges)
        tokens: list = []
        stack: list[tuple[int, str, float, tuple[int, ...]]] = [(i, "", 0.0, ())]
        while stack:
            pos, prefix, extra, starts = stack.pop()
            for j, ch, cost in char_edges[pos]:
                if not prefix and (cost >= _FALLBACK_COST or ch not in words or words[ch] is None):
                    self._single(char_edges, pos, j, ch, cost, tokens)
                if cost >= _FALLBACK_COST:
                    continue
                word = prefix + ch
                if word not in words:
                    continue
                entry = words[word]
                here = starts + (pos,)
                if entry is not None:
                    for word_cost, tag in entry:
                        tokens.append((j, word, tag, extra + cost + word_cost, here))
                if j < n:
                    stack.append((j, word, extra + cost, here))
        return tokens

    def _row(self, prev: str | None) -> dict[str, float]:
        """Transition costs from a state to every tag.

        The state is the last token's tag, except after a coordinating word (与, 和, 及 …), where it remembers the
        class of the word before it: "背景与动机" joins two nouns, which a plain tag bigram cannot see.
        """
        row = self._rows.get(prev)
        if row is None:
            model = self.model
            if prev is not None and prev[0] == "&":
                row = {tag: model.transition("c", tag) - (_COORDINATION_BONUS if _coarse(tag) == prev[1:] else 0.0)
                       for tag in model.tags()}
            else:
                row = {tag: model.transition(prev, tag) for tag in model.tags()}
            self._rows[prev] = row
        return row

    def decode(self, data: bytes, framed: Sequence[bool] = (),
               hints: Sequence[dict[str, float] | None] = ()) -> tuple[str, float]:
        """Best text for a run of bytes, and the lowest posterior among its ambiguous choices.

        framed[i] tells that byte i lies in a clause opened by 在 ("在……中"), where a locative word is expected;
        hints[i] adjusts the cost of single characters at byte i (brackets that pair up, a label's colon).
        """
        n = len(data)
        row_of = self._row
        char_edges = self._char_edges(data)
        tokens: list[list | None] = [None] * n

        # Forward pass: alpha[i][state after the last token] = (cost, previous position, previous state, token).
        alpha: list[dict[str | None, tuple[float, int, str | None, str]]] = [{} for _ in range(n + 1)]
        alpha[0][None] = (0.0, -1, None, "")
        for i in range(n):
            states = alpha[i]
            if not states:
                continue
            if len(states) > _BEAM:
                states = alpha[i] = dict(sorted(states.items(), key=lambda kv: kv[1][0])[:_BEAM])
            toks = tokens[i] = self._tokens(char_edges, i)
            if framed and framed[i]:
                toks = tokens[i] = [(j, t, tag, cost - _FRAME_BONUS if tag == "f" else cost, st)
                                    for j, t, tag, cost, st in toks]
            if hints and hints[i]:
                adjust = hints[i]
                toks = tokens[i] = [(j, t, tag, cost + adjust.get(t, 0.0), st) for j, t, tag, cost, st in toks]
            for prev, (score, _, _, _) in states.items():
                row = row_of(prev)
                coord_state = "&" + _coarse(prev)
                for j, text, tag, cost, _ in toks:
                    total = score + cost + row[tag]
                    state = coord_state if text in _COORDINATORS else tag
                    target = alpha[j]
                    old = target.get(state)
                    if old is None or total < old[0]:
                        target[state] = (total, i, prev, text)
        last = min(alpha[n], key=lambda t: alpha[n][t][0])
        best_total = alpha[n][last][0]
        pieces = []
        path_starts = []
        pos, state = n, last
        while pos > 0:
            _, prev_pos, prev_state, text = alpha[pos][state]
            pieces.append(text)
            path_starts.append(prev_pos)
            pos, state = prev_pos, prev_state
        text = "".join(reversed(pieces))
        if any(not any(c < _FALLBACK_COST for _, _, c in char_edges[i]) for i in path_starts):
            return text, 0.0  # some byte could not be explained and was left as it was

        ambiguous = {i for i in range(n) if len({ch for _, ch, c in char_edges[i] if c < _FALLBACK_COST}) != 1}
        if not ambiguous:
            return text, 1.0
        # Backward pass, then the max-marginal cost of every candidate character at each ambiguous position.
        beta: list[dict[str | None, float]] = [{} for _ in range(n + 1)]
        beta[n] = {t: 0.0 for t in alpha[n]}
        for i in range(n - 1, -1, -1):
            if not alpha[i] or tokens[i] is None:
                continue
            row = beta[i]
            for prev in alpha[i]:
                moves = row_of(prev)
                coord_state = "&" + _coarse(prev)
                best = math.inf
                for j, word, tag, cost, _ in tokens[i]:
                    tail = beta[j].get(coord_state if word in _COORDINATORS else tag)
                    if tail is not None:
                        value = cost + moves[tag] + tail
                        if value < best:
                            best = value
                row[prev] = best
        marginal: dict[int, dict[str, float]] = {}
        for i in range(n):
            if not alpha[i] or tokens[i] is None:
                continue
            for j, word, tag, cost, starts in tokens[i]:
                if not ambiguous.intersection(starts):
                    continue
                for prev, (score, _, _, _) in alpha[i].items():
                    tail = beta[j].get("&" + _coarse(prev) if word in _COORDINATORS else tag)
                    if tail is None:
                        continue
                    value = score + cost + row_of(prev)[tag] + tail
                    for k, start in enumerate(starts):
                        if start in ambiguous:
                            row = marginal.setdefault(start, {})
                            ch = word[k] if len(word) == len(starts) else word
                            if value < row.get(ch, math.inf):
                                row[ch] = value
        confidence = 1.0
        for row in marginal.values():
            z = sum(math.exp(best_total - v) for v in row.values())
            confidence = min(confidence, 1.0 / z if z > 1.0 else 1.0)
        return text, confidence


# --------------------------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------------------------

def _ftfy_codec(line: str) -> tuple[str, str | None]:
    import ftfy

    fixed, explanation = ftfy.fix_encoding_and_explain(line)
    codec = None
    for step in explanation or ():
        if step[0] == "encode":
            codec = step[1].replace("sloppy-", "").replace("windows-", "cp")
            break
    return fixed, codec


def recover(text: str) -> Recovery:
    """Repair mojibake in `text`; a text that does not look like mojibake comes back unchanged."""
    if not looks_like_mojibake(text):
        return Recovery(text, None, (), ())
    lines = text.split("\n")
    union = _pattern(CODECS)
    suspicious = [k for k, line in enumerate(lines) if not line.isascii() and union.search(line)]
    evidence = _detect(_sample(lines, suspicious), text)
    if evidence is None:
        return _recover_with_ftfy(text, lines, suspicious)

    cp = _code_page(evidence.codec)
    pair = _pair_pattern(cp.name)
    non_ascii = [ch for ch in text if ch >= "\x80"]
    # A text converted as a whole has no character left that the code page cannot produce; then every line with
    # code-page characters is mojibake, even one whose only sign is a lead byte that lost all its continuations.
    wholesale = sum(1 for ch in non_ascii if ch not in cp.to_byte) <= len(non_ascii) // 1000
    decoder: _Decoder | None = None
    repairs: list[LineRepair] = []
    out = list(lines)
    for k, line in enumerate(lines):
        if line.isascii() or not (pair.search(line) or (wholesale and _encode_runs(line, cp))):
            continue
        runs = _encode_runs(line, cp)
        needs_search = evidence.dropped and any(_has_damage(data) for _, _, data in runs)
        if not needs_search:
            # Nothing was lost on this line: ftfy handles it; the exact inverse of the code page is the fallback.
            fixed, _ = _ftfy_codec(line)
            if looks_like_mojibake(fixed):
                fixed = _direct(line, runs) or fixed
            if fixed != line:
                out[k] = fixed
                repairs.append(LineRepair(k + 1, line, fixed, 1.0))
            continue
        if decoder is None:
            decoder = _Decoder(cp, evidence.dropped, _model())
        pieces: list[str] = []
        cursor = 0
        confidence = 1.0
        framed = _framed(line, cp)
        hints = _punctuation_hints(line, cp)
        for start, end, data in runs:
            pieces.append(line[cursor:start])
            for lo, hi in _clauses(data, decoder):
                chunk = data[lo:hi]
                try:
                    pieces.append(chunk.decode("utf-8"))  # this clause lost nothing
                    continue
                except UnicodeDecodeError:
                    pass
                decoded, conf = decoder.decode(chunk, framed[start + lo:start + hi], hints[start + lo:start + hi])
                pieces.append(decoded)
                confidence = min(confidence, conf)
            cursor = end
        pieces.append(line[cursor:])
        fixed = "".join(pieces)
        if fixed != line:
            out[k] = fixed
            repairs.append(LineRepair(k + 1, line, fixed, round(confidence, 4)))
    return Recovery("\n".join(out), evidence.codec, tuple(repairs), evidence.dropped)


def _clauses(data: bytes, decoder: _Decoder) -> list[tuple[int, int]]:
    """Split a run after each intact clause punctuation mark: the language model starts afresh there anyway, so the
    clauses decode independently (and clauses that lost nothing need no search at all)."""
    if decoder.dropped_lead:  # a dropped lead byte could make a punctuation mark look intact
        return [(0, len(data))]
    spans, lo, i, n = [], 0, 0, len(data)
    while i < n:
        length = _utf8_length(data[i])
        if length and i + length <= n and all(_is_cont(b) for b in data[i + 1:i + length]):
            try:
                ch = data[i:i + length].decode("utf-8")
            except UnicodeDecodeError:
                ch = ""
            if ch and ch in _CLAUSE_MARKS and (i + length == n or not _is_cont(data[i + length])):
                spans.append((lo, i + length))
                lo = i + length
            i += length
        else:
            i += 1
    if lo < n:
        spans.append((lo, n))
    return spans


_CLAUSE_MARKS = frozenset("，。；：！？、（）“”《》【】")


def _spelled(text: str, cp: _CodePage) -> str | None:
    """How `text` looks after the damage, or None when one of its bytes would have been dropped."""
    out = []
    for b in text.encode("utf-8"):
        ch = chr(b) if b < 0x80 else cp.to_char.get(b)
        if ch is None or b == _SOFT_HYPHEN:
            return None
        out.append(ch)
    return "".join(out)


@lru_cache(maxsize=None)
def _frame_pattern(name: str) -> re.Pattern[str] | None:
    cp = _code_page(name)
    opener = _spelled("在", cp)
    closers = [c for c in (_spelled(p, cp) for p in "，。；：？,;:") if c]
    if opener is None or not closers:
        return None
    return re.compile("(?P<open>" + re.escape(opener) + ")|" + "|".join(re.escape(c) for c in closers))


def _framed(line: str, cp: _CodePage) -> list[bool]:
    """For each character of a damaged line: does it follow a 在 in the same clause?"""
    flags = [False] * len(line)
    pattern = _frame_pattern(cp.name)
    if pattern is None:
        return flags
    state, cursor = False, 0
    for m in pattern.finditer(line):
        if state:
            flags[cursor:m.start()] = [True] * (m.start() - cursor)
        state = m.group("open") is not None
        cursor = m.end()
    if state:
        flags[cursor:] = [True] * (len(line) - cursor)
    return flags


_PAIRS = ("（）", "“”", "‘’", "【】", "《》", "「」", "『』")
_UNPAIRED_COST = 3.0  # nats: an opening mark with no closing mark after it (or the reverse) is unlikely
_LABEL_COLON_BONUS = 1.5  # nats: "标题：", "- **方法**：" — a colon ends a short label at the start of a line
_LABEL_PREFIX = re.compile(r"\s*(?:[-*+>]|\d+[.)]|\(\d+\))?\s*(?:\*\*)?")


def _punctuation_hints(line: str, cp: _CodePage) -> list[dict[str, float] | None]:
    """Per character of a damaged line, cost adjustments for punctuation candidates, from what is intact around."""
    hints: list[dict[str, float] | None] = [None] * len(line)

    def add(lo: int, hi: int, ch: str, delta: float) -> None:
        for k in range(max(0, lo), min(len(line), hi)):
            slot = hints[k]
            if slot is None:
                slot = hints[k] = {}
            slot[ch] = slot.get(ch, 0.0) + delta

    for opening, closing in _PAIRS:
        spelled_open, spelled_close = _spelled(opening, cp), _spelled(closing, cp)
        if spelled_close:  # no intact closing mark ahead: an opening mark here would stay unclosed
            ahead = [m.start() for m in re.finditer(re.escape(spelled_close), line)]
            add(ahead[-1] if ahead else 0, len(line), opening, _UNPAIRED_COST)
        if spelled_open:  # no intact opening mark behind: a closing mark here would close nothing
            behind = [m.end() for m in re.finditer(re.escape(spelled_open), line)]
            add(0, behind[0] if behind else len(line), closing, _UNPAIRED_COST)
    # A colon after a short label at the start of the line (list markers and bold markup aside).
    prefix = _LABEL_PREFIX.match(line)
    start = prefix.end() if prefix else 0
    add(start, min(len(line), start + 3 * 12), "：", -_LABEL_COLON_BONUS)
    return hints


def _has_damage(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def _direct(line: str, runs: list[tuple[int, int, bytes]]) -> str | None:
    """Re-encode and decode every run; None when a run is not valid UTF-8."""
    pieces, cursor = [], 0
    for start, end, data in runs:
        try:
            decoded = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        pieces.append(line[cursor:start])
        pieces.append(decoded)
        cursor = end
    pieces.append(line[cursor:])
    return "".join(pieces)


def _recover_with_ftfy(text: str, lines: list[str], suspicious: list[int]) -> Recovery:
    """No single code page explains the text: let ftfy repair what it can, line by line."""
    out = list(lines)
    repairs = []
    codecs: dict[str, int] = {}
    for k in suspicious:
        fixed, codec = _ftfy_codec(lines[k])
        if fixed != lines[k]:
            out[k] = fixed
            repairs.append(LineRepair(k + 1, lines[k], fixed, 1.0))
            if codec:
                codecs[codec] = codecs.get(codec, 0) + 1
    if not repairs:
        return Recovery(text, None, (), ())
    codec = max(codecs, key=codecs.__getitem__) if codecs else None
    return Recovery("\n".join(out), codec, tuple(repairs), ())
