#include "util/digest.h"

#include <string.h>

#include <openssl/evp.h>

int drg_digest_sha256(const void *data, size_t len, char out[DRG_DIGEST_MAX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return -1;
	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < mdlen; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[7 + 2 * mdlen] = '\0';
	return 0;
}

int drg_digest_is_sha256(const char *s)
{
	return strncmp(s, "sha256:", 7) == 0 &&
	       strspn(s + 7, "0123456789abcdef") == 64 && s[71] == '\0';
}
