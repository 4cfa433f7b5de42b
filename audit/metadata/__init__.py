"""arXiv metadata: records, a SQLite cache, an API client and providers.

Importing this package is cheap: `arxiv`, `requests` and `platformdirs` are
imported only when a client fetches or a default cache path is computed.
"""

from .cache import CacheError, MetadataCache, default_cache_path
from .client import DEFAULT_API_URL, ArxivClient, FetchResult, RateLimiter
from .providers import CacheProvider, MetadataProvider, OfflineProvider, OnlineProvider
from .records import ArxivAuthor, ArxivRecord, is_withdrawn, normalize_arxiv_id, split_version

__all__ = [
    "DEFAULT_API_URL",
    "ArxivAuthor",
    "ArxivClient",
    "ArxivRecord",
    "CacheError",
    "CacheProvider",
    "FetchResult",
    "MetadataCache",
    "MetadataProvider",
    "OfflineProvider",
    "OnlineProvider",
    "RateLimiter",
    "default_cache_path",
    "is_withdrawn",
    "normalize_arxiv_id",
    "split_version",
]
