"""The language model behind the mojibake recovery (audit.mojibake): a class-based word bigram model of Chinese.

P(w_i | w_i-1) = P(tag_i | tag_i-1) * P(w_i | tag_i). Word frequencies and parts of speech come from jieba's
dictionary (plus a small vocabulary of machine-learning words it under-rates, written for this tool, and the
compounds of a degree adverb and an adjective it lacks: 极高, 较低), tag transitions across word boundaries from
jieba's part-of-speech HMM (trained on running text), and characters that are no word (punctuation, symbols, emoji,
rare characters) are single tokens scored by a character prior.

The model is built from the installed jieba package, once, and kept on disk (`model_cache_path`); a process loads
it from there in a few milliseconds. It is compact: the lexicon (words and the prefixes of longer words, capped at
`MAX_WORD_CHARS` characters) is a sorted array of 64-bit keys (CRC-32 and Adler-32 of the UTF-8 bytes) with
parallel arrays of packed entries, sense costs (float32) and tag numbers, searched by bisection; lookups are
memoised per process. That costs about 10 MB of memory, where a dict of the same words cost 137 MB.
"""
from __future__ import annotations

import array
import math
import marshal
import os
import threading
import unicodedata
import zlib
from bisect import bisect_left
from collections import Counter

__all__ = ["LanguageModel", "model", "model_cache_path", "cached_model", "class_prior", "is_emoji_like"]

MAX_WORD_CHARS = 8  # longer dictionary entries (idioms, long names) are left out: the decoder gains nothing by them
_FORMAT = 3  # bump when the cache layout changes

# Relative frequencies of punctuation and symbols in Chinese prose (our own rough estimates; the word dictionary
# holds none of them). Their probabilities are per character of running text.
PUNCTUATION_PRIOR: dict[str, float] = {
    "，": 3e-2, "。": 2.5e-2, "：": 1e-2, "、": 6e-3, "（": 5e-3, "）": 5e-3, "；": 1e-3, "！": 5e-4, "“": 5e-4,
    "”": 5e-4, "？": 3e-4, "—": 3e-4, "《": 2e-4, "》": 2e-4, "…": 2e-4, "·": 2e-4, "【": 2e-4, "】": 2e-4,
    "‘": 1e-4, "’": 1e-4, "•": 1e-4, "「": 5e-5, "」": 5e-5, "『": 3e-5, "』": 3e-5, "～": 5e-5, "％": 3e-5,
    "×": 5e-5, "→": 3e-5, "\u3000": 2e-5, "\u200b": 3e-5, "−": 2e-5, "°": 2e-5, "±": 1e-5, "≤": 1e-5, "≥": 1e-5,
    "①": 1e-5, "②": 1e-5, "③": 1e-5, "④": 1e-5, "⑤": 1e-5, "–": 2e-5, "™": 5e-6, "©": 5e-6, "®": 5e-6,
}
# Emoji that digest templates and chat-style writing use a lot.
_COMMON_EMOJI = "⭐✅❌✨⚠⚡❤☀✔✏➡⬆⬇🔴🟢🔵💗💡📌📖📝📚🚀🔥👉👍🎉🤖💻🔗📄📊⏰🏆"
_EMOJI_PRIOR = 2e-5
# Vocabulary of machine-learning paper digests that a general-purpose dictionary under-rates, written for this tool
# (not taken from any post). Each tier is (frequency on the scale of jieba's dictionary, tag, words).
DOMAIN_TIERS: tuple[tuple[int, str, str], ...] = (
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

# Degree adverb + one-character adjective ("极高", "较低", "更强", "很难") is a productive compound: the dictionary
# lists it only now and then (最高 12430, 较大 6637, 极快 3, 极高 and 较低 not at all). Unlisted, it is scored as two
# words, and a listed word that the damaged bytes also allow beats it by several nats: "表现出极高的" came back as
# "表现出提高的" (极 and 提 both lose their two continuation bytes under cp1254). So every compound of a degree adverb
# and a common adjective (at least COMPOUND_MIN_FREQ in the dictionary) that the dictionary lacks, or lists with a
# token count (10 or less), is added as an adjective with COMPOUND_SHARE of the adjective's own frequency. The
# adjectives' total is left as it is, so no other adjective gets dearer.
DEGREE_ADVERBS = "极较更很最太稍略颇甚愈越"
COMPOUND_MIN_FREQ = 2000
COMPOUND_SHARE = 0.05


# A variation selector or joiner only follows an emoji-like character.
VS16 = "\ufe0f"
ZWJ = "\u200d"


_EMOJI_BLOCKS = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x2190, 0x21FF), (0x2300, 0x23FF),
                 (0x25A0, 0x25FF), (0x2900, 0x297F))
_EMOJI_SINGLES = frozenset({0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D, 0x3297, 0x3299, 0xA9, 0xAE})


def is_emoji_like(ch: str) -> bool:
    """Characters that take a variation selector (VS16) or join emoji sequences (ZWJ)."""
    o = ord(ch)
    return o in _EMOJI_SINGLES or any(lo <= o <= hi for lo, hi in _EMOJI_BLOCKS)


def class_prior(ch: str) -> float:
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
        return 1e-6 if is_emoji_like(ch) else 5e-8
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



PUNCT = "<p>"  # clause punctuation: the next word starts afresh
OTHER = "<o>"  # symbols, emoji, letters and other non-words
UNKNOWN_TAG_COST = 3.5
# How unlikely a clause ends right after a word of each tag (nats): adverbs, prepositions, conjunctions and particles
# lead into what follows; nouns, verbs and the like end clauses all the time.
CLAUSE_END_COST = {"d": 3.0, "p": 4.0, "c": 3.0, "uj": 4.0, "ud": 3.0, "uv": 3.0, "uz": 2.0, "b": 2.0, "q": 1.5}


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




def _degree_compounds(raw: dict[str, dict[str, int]]) -> list[tuple[str, int]]:
    """(compound, frequency) for the degree-adverb compounds the dictionary (word -> tag -> frequency) lacks."""
    adjectives = [(word, senses["a"]) for word, senses in raw.items()
                  if len(word) == 1 and senses.get("a", 0) >= COMPOUND_MIN_FREQ]
    return [(adverb + adj, int(freq * COMPOUND_SHARE)) for adverb in DEGREE_ADVERBS for adj, freq in adjectives
            if sum(raw.get(adverb + adj, {}).values()) <= 10]


def _key(word: str) -> int:
    data = word.encode("utf-8")
    return (zlib.crc32(data) << 32) | zlib.adler32(data)


class LanguageModel:
    """Lexicon, character priors and tag transitions; `lookup` is the decoder's only way into the lexicon."""

    def __init__(self, tags: list[str], keys: memoryview, entries: memoryview, costs: memoryview,
                 sense_tags: memoryview, chars: dict[str, float], trans: dict[str, dict[str, float]],
                 start: dict[str, float]) -> None:
        self.tag_names = tags
        self._keys = keys  # sorted 64-bit keys of words and prefixes
        self._entries = entries  # per key: first sense << 5 | is a prefix of a longer word << 4 | number of senses
        self._costs = costs  # per sense: -log P(word | tag)
        self._sense_tags = sense_tags  # per sense: index into tag_names
        self._chars = chars  # character -> P(character) in running text, for characters that are no word
        self._trans = trans  # tag -> next tag -> -log P
        self._start = start  # tag -> -log P(tag) after a sentence or token boundary
        # Memoised lookups (the decoder reads this dict directly before it calls `lookup`).
        self.memo: dict[str, tuple[tuple[tuple[float, str], ...], bool] | None] = {}
        self._char_cost_cache: dict[str, float] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def lookup(self, word: str) -> tuple[tuple[tuple[float, str], ...], bool] | None:
        """(senses, more): the word's ((cost, tag), ...) — empty when it is only the start of longer words — and
        whether longer words start with it; None when neither."""
        lookups = self.memo
        try:
            return lookups[word]
        except KeyError:
            pass
        key = _key(word)
        keys = self._keys
        i = bisect_left(keys, key)
        if i == len(keys) or keys[i] != key:
            found = None
        else:
            packed = self._entries[i]
            first, count = packed >> 5, packed & 15
            names, costs, tags = self.tag_names, self._costs, self._sense_tags
            senses = tuple((costs[k], names[tags[k]]) for k in range(first, first + count))
            found = (senses, bool(packed & 16))
        if len(lookups) > 100_000:
            lookups.clear()
        lookups[word] = found
        return found

    def senses(self, word: str) -> tuple[tuple[float, str], ...]:
        found = self.lookup(word)
        return found[0] if found else ()

    def char_cost(self, ch: str) -> float:
        cost = self._char_cost_cache.get(ch)
        if cost is None:
            p = self._chars.get(ch)
            cost = -math.log(p if p is not None else class_prior(ch))
            self._char_cost_cache[ch] = cost
        return cost

    def transition(self, prev: str | None, tag: str) -> float:
        """-log P(tag | previous tag); None or a non-word before means a fresh start."""
        if tag == PUNCT:
            return CLAUSE_END_COST.get(prev, 0.5) if prev is not None else 0.5
        if tag == OTHER:
            return 0.0
        row = self._trans.get(prev) if prev is not None and prev not in (PUNCT, OTHER) else None
        if row is None:
            row = self._start
        return row.get(tag, UNKNOWN_TAG_COST)

    def tags(self) -> list[str]:
        return self.tag_names

    # ----------------------------------------------------------------------------------------------------------
    # Building and storing

    @classmethod
    def from_jieba(cls) -> LanguageModel:
        import pickle

        root = _jieba_root()
        if root is None:
            raise RuntimeError("jieba is not installed: the mojibake recovery needs its dictionary")
        with open(os.path.join(root, "dict.txt"), encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        raw: dict[str, dict[str, int]] = {}
        tag_total: dict[str, int] = {}

        def add(word: str, freq: int, tag: str, counted: bool = True) -> None:
            senses = raw.setdefault(word, {})
            senses[tag] = senses.get(tag, 0) + freq
            if counted:
                tag_total[tag] = tag_total.get(tag, 0) + freq

        for line in lines:
            parts = line.split(" ")
            if len(parts) < 3 or parts[0].isascii() or len(parts[0]) > MAX_WORD_CHARS:
                continue
            if int(parts[1]) > 0:
                add(parts[0], int(parts[1]), parts[2])
        for word, freq in _degree_compounds(raw):
            add(word, freq, "a", counted=False)
        for freq, tag, listed in DOMAIN_TIERS:
            for word in listed.split():
                add(word, freq, tag)
        log_total = {tag: math.log(n) for tag, n in tag_total.items()}
        with open(os.path.join(root, "posseg", "prob_trans.p"), "rb") as fh:
            hmm_trans = pickle.load(fh)
        with open(os.path.join(root, "posseg", "prob_start.p"), "rb") as fh:
            hmm_start = pickle.load(fh)
        trans, start = _tag_transitions(hmm_trans, hmm_start)
        tags = sorted(set(tag_total) | {PUNCT, OTHER})
        tag_index = {t: k for k, t in enumerate(tags)}
        prefixes = {word[:k] for word in raw if len(word) > 1 for k in range(1, len(word))}
        table = []
        for word in set(raw) | prefixes:
            table.append((_key(word), word))
        table.sort()
        keys = array.array("Q")
        entries = array.array("I")
        costs = array.array("f")
        sense_tags = array.array("B")
        last = None
        for key, word in table:
            if key == last:  # a 64-bit collision between two entries: keep the first
                continue
            last = key
            senses = raw.get(word, {})
            entries.append(len(costs) << 5 | (16 if word in prefixes else 0) | len(senses))
            for tag, freq in senses.items():
                costs.append(log_total[tag] - math.log(freq))
                sense_tags.append(tag_index[tag])
            keys.append(key)
        # Characters that are no word of their own are rare: a rough prior from how many words use them.
        uses = Counter("".join(raw))
        chars = {c: min(1e-5, 2e-8 * n) for c, n in uses.items() if c > "\u2e80" and c not in raw}
        chars.update(PUNCTUATION_PRIOR)
        return cls(tags, memoryview(keys.tobytes()).cast("Q"), memoryview(entries.tobytes()).cast("I"),
                   memoryview(costs.tobytes()).cast("f"), memoryview(sense_tags.tobytes()).cast("B"),
                   chars, trans, start)

    def dumps(self) -> bytes:
        return marshal.dumps((_FORMAT, self.tag_names, bytes(self._keys), bytes(self._entries), bytes(self._costs),
                              bytes(self._sense_tags), self._chars, self._trans, self._start))

    @classmethod
    def loads(cls, data: bytes) -> LanguageModel:
        fmt, tags, keys, entries, costs, sense_tags, chars, trans, start = marshal.loads(data)
        if fmt != _FORMAT or not isinstance(tags, list) or not isinstance(chars, dict):
            raise ValueError("not a mojibake model of this version")
        views = [memoryview(b).cast(c) for b, c in ((keys, "Q"), (entries, "I"), (costs, "f"), (sense_tags, "B"))]
        if len(views[0]) != len(views[1]) or len(views[2]) != len(views[3]):
            raise ValueError("inconsistent mojibake model")
        return cls(tags, *views, chars, trans, start)


def _jieba_root() -> str | None:
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


_MODEL: LanguageModel | None = None
_MODEL_LOCK = threading.Lock()


def model() -> LanguageModel:
    """The process's model: loaded from the disk cache, or built (and cached) on first use."""
    global _MODEL
    if _MODEL is None:
        with _MODEL_LOCK:
            if _MODEL is None:
                _MODEL = cached_model()
    return _MODEL


def model_cache_path() -> str | None:
    """Where the built model is kept between runs: keyed by jieba's dictionary and this module's own word lists,
    so a new jieba or a changed vocabulary builds it afresh."""
    import hashlib

    root = _jieba_root()
    if root is None:
        return None
    try:
        st = os.stat(os.path.join(root, "dict.txt"))
    except OSError:
        return None
    key = hashlib.sha1(repr((_FORMAT, MAX_WORD_CHARS, st.st_size, st.st_mtime_ns, DOMAIN_TIERS, DEGREE_ADVERBS,
                             COMPOUND_MIN_FREQ, COMPOUND_SHARE,
                             sorted(PUNCTUATION_PRIOR.items()))).encode("utf-8")).hexdigest()[:16]
    from .datafiles import cache_dir

    folder = cache_dir()
    return None if folder is None else os.path.join(folder, f"mojibake-model-{key}.bin")


def _read_cached(path: str) -> LanguageModel | None:
    try:
        with open(path, "rb") as fh:
            return LanguageModel.loads(fh.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def cached_model() -> LanguageModel:
    """The model from the on-disk cache (a few milliseconds) or built from jieba (about 2 s) and then cached.
    A cache that cannot be read or written is ignored: the model is simply built. Building takes about 250 MB
    for a moment, so processes that need it at once (the workers of a first run) build it one at a time: the
    others wait on a lock file and then read what the first one wrote."""
    path = model_cache_path()
    if path is None:
        return LanguageModel.from_jieba()
    got = _read_cached(path)
    if got is not None:
        return got
    from pathlib import Path

    lock = None
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        import fcntl

        lock = open(path + ".lock", "a")
        fcntl.flock(lock, fcntl.LOCK_EX)
        got = _read_cached(path)  # another process may have built it while this one waited
        if got is not None:
            return got
    except (OSError, ImportError):  # no lock on this system or folder: build without one
        pass
    try:
        built = LanguageModel.from_jieba()
        try:
            from .fsutil import atomic_write_bytes

            atomic_write_bytes(Path(path), built.dumps())
        except OSError:
            pass
        return built
    finally:
        if lock is not None:
            lock.close()  # releases the lock
