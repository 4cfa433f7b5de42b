from audit.model import DIGEST_SECTIONS

ALL8 = DIGEST_SECTIONS
