"""Small posts built from a few parts, for logic-rule examples and hand-written test cases.

`build_post(urls="论文链接：待提供")` gives a complete, clean one-entry post with that digest section replaced.
Every part has a clean default about one invented paper, so an example names only what it is about.
"""
from __future__ import annotations

DEFAULTS = {
    "front_title": "Talking Head Generation",
    "date": "2411-01-05 10:00:00",
    "heading_date": None,          # defaults to the front-matter date's day
    "header_title": "NovaTalk: Expressive Audio-Driven Talking Heads with Diffusion",
    "header_authors": "Lena Park, Tomas Weber, Yusuf Demir",
    "abstract": ("We present NovaTalk, an audio-driven talking head generation method based on a latent diffusion "
                 "model. NovaTalk reduces lip-sync error by 12.5% on the HDTF benchmark and renders 25 frames per "
                 "second. Code is available at https://github.com/nova-lab/NovaTalk."),
    "arxiv_id": "2411.90001",
    "version": 1,
    "comments": "Accepted by ECCV 2024",
    "summary": "提出NovaTalk，一种基于潜在扩散模型的音频驱动说话人头部生成方法。",
    "key_takeaways": "1. NovaTalk基于潜在扩散模型。\n2. 在HDTF上唇形同步误差降低12.5%。",
    "title": "NovaTalk：基于扩散模型的表现力音频驱动说话人头部生成",
    "authors": "Lena Park, Tomas Weber, Yusuf Demir",
    "affiliation": "首尔国立大学",
    "keywords": "说话人头部生成、扩散模型、唇形同步",
    "urls": "https://arxiv.org/abs/2411.90001 , Github: https://github.com/nova-lab/NovaTalk",
    "digest_summary": ("(1) 研究背景：音频驱动的说话人头部生成。\n(2) 过去的方法：表情单一。\n"
                       "(3) 研究方法：提出NovaTalk。\n(4) 任务与性能：唇形同步误差降低12.5%。"),
    "methods": "(1) 使用潜在扩散模型生成面部运动。\n(2) 引入音频编码器对齐唇形。",
    "conclusion": "(1) 意义：提升了说话人头部生成的表现力。\n(2) 创新点：扩散模型；性能：误差降低12.5%；工作量：适中。",
}

SECTION_LABELS = [("title", "Title"), ("authors", "Authors"), ("affiliation", "Affiliation"),
                  ("keywords", "Keywords"), ("urls", "Urls"), ("digest_summary", "Summary"),
                  ("methods", "Methods"), ("conclusion", "Conclusion")]


def build_post(raw: str | None = None, digest: str | None = None, **parts: object) -> str:
    """A one-entry post. Parts set to None are left out entirely; `digest` replaces the whole digest block."""
    if raw is not None:
        return raw
    unknown = set(parts) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown example parts: {', '.join(sorted(unknown))}")
    p = {**DEFAULTS, **parts}
    day = p["heading_date"] or str(p["date"]).split(" ")[0]
    out = ["---", f"title: {p['front_title']}", f"date: {p['date']}", "tags:", f"    - {p['front_title']}",
           f"description: {p['front_title']} 方向最新论文已更新 Update in {day}  {p['header_title']}",
           f"keywords: {p['front_title']}", "---", "", f"# {day} 更新", ""]
    if p["header_title"] is not None:
        out += [f"## {p['header_title']}", ""]
    if p["header_authors"] is not None:
        out += [f"**Authors:{p['header_authors']}**", ""]
    if p["abstract"] is not None:
        out += [str(p["abstract"]), ""]
    version = f"v{p['version']}" if p["version"] else ""
    out += [f"[PDF](http://arxiv.org/abs/{p['arxiv_id']}{version}) {p['comments'] or ''}".rstrip(), ""]
    if p["summary"] is not None:
        out += ["**Summary**", str(p["summary"]), ""]
    if p["key_takeaways"] is not None:
        out += ["**Key Takeaways**", str(p["key_takeaways"]), ""]
    out += ["**[ChatPaperFree](https://huggingface.co/spaces/Kedreamix/ChatPaperFree)**", ""]
    if digest is not None:
        out += [digest, ""]
    else:
        for n, (key, label) in enumerate(SECTION_LABELS, 1):
            if p[key] is not None:
                out += [f"{n}. {label}: {p[key]}", ""]
    out += ["<details>", "  <summary>点此查看论文截图</summary>",
            '<img src="https://example.com/a.jpg" align="middle">', "</details>", ""]
    return "\n".join(out)
