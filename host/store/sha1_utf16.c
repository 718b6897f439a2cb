#include "store/sha1_utf16.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>

/* Length of the UTF-8 sequence starting with byte b, 0 when b cannot start one. */
static size_t seq_len(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xC2 && b <= 0xDF)
		return 2;
	if (b >= 0xE0 && b <= 0xEF)
		return 3;
	if (b >= 0xF0 && b <= 0xF4)
		return 4;
	return 0;
}

/* Decodes one code point at s[*i], advancing *i; U+FFFD for invalid bytes. */
static uint32_t next_code_point(const unsigned char *s, size_t len, size_t *i)
{
	size_t n = seq_len(s[*i]), k;
	uint32_t cp;

	if (n == 0 || *i + n > len) {
		(*i)++;
		return 0xFFFD;
	}
	cp = n == 1 ? s[*i] : (uint32_t)(s[*i] & (0x7F >> n));
	for (k = 1; k < n; k++) {
		if ((s[*i + k] & 0xC0) != 0x80) {
			(*i)++;
			return 0xFFFD;
		}
		cp = (cp << 6) | (s[*i + k] & 0x3F);
	}
	/* Overlong forms and surrogates are not characters. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF)) {
		(*i)++;
		return 0xFFFD;
	}
	*i += n;
	return cp;
}

static size_t put_unit(unsigned char *out, size_t o, uint32_t unit)
{
	out[o] = (unsigned char)(unit & 0xFF);
	out[o + 1] = (unsigned char)(unit >> 8);
	return o + 2;
}

int cdh_sha1_utf16_hex(const char *s, size_t len,
		       char hex[CDH_SHA1_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	unsigned char *utf16, md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0, k;
	size_t i = 0, o = 0;
	int rc;

	/* At most two UTF-16 units (4 bytes) per input byte. */
	utf16 = malloc(len * 4 + 1);
	if (!utf16)
		return -1;
	while (i < len) {
		uint32_t cp = next_code_point(u, len, &i);

		if (cp >= 0x10000) {
			cp -= 0x10000;
			o = put_unit(utf16, o, 0xD800 | (cp >> 10));
			o = put_unit(utf16, o, 0xDC00 | (cp & 0x3FF));
		} else {
			o = put_unit(utf16, o, cp);
		}
	}
	rc = EVP_Digest(utf16, o, md, &md_len, EVP_sha1(), NULL) == 1 ? 0 : -1;
	free(utf16);
	for (k = 0; rc == 0 && k < md_len && k < CDH_SHA1_HEX_LEN / 2; k++) {
		hex[2 * k] = digits[md[k] >> 4];
		hex[2 * k + 1] = digits[md[k] & 0xF];
	}
	hex[rc == 0 ? CDH_SHA1_HEX_LEN : 0] = '\0';
	return rc;
}
