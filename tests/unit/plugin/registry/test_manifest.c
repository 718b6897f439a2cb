/* manifest: kinds, config digest, platform choice, config blobs (§4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/digest.h"
#include "registry/manifest.h"

#define S(x) x, strlen(x)
#define D(c) "sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static struct drg_manifest_doc doc;
static char err[128];

static void sha256_of_raw_bytes(void **state)
{
	char d[DRG_DIGEST_MAX];

	(void)state;
	assert_int_equal(drg_digest_sha256("", 0, d), 0);
	assert_string_equal(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(drg_digest_sha256(S("abc"), d), 0);
	assert_string_equal(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(drg_digest_is_sha256(d));
	assert_false(drg_digest_is_sha256("sha256:BA7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	assert_false(drg_digest_is_sha256("sha256:ba78"));
}

static void docker_v2_image(void **state)
{
	(void)state;
	assert_int_equal(drg_manifest_parse("application/vnd.docker.distribution.manifest.v2+json",
		S("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
		  "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":1,"
		  "\"digest\":\"" D("a") "\"},\"layers\":[]}"), &doc, err, sizeof(err)), 0);
	assert_int_equal(doc.kind, DRG_MANIFEST_IMAGE);
	assert_string_equal(doc.config_digest, D("a"));
	assert_string_equal(doc.media_type, DRG_MT_DOCKER_V2);
}

static void kind_from_content_type_or_shape(void **state)
{
	(void)state;
	assert_int_equal(drg_manifest_parse("application/vnd.oci.image.manifest.v1+json; charset=x",
		S("{\"config\":{\"digest\":\"" D("b") "\"}}"), &doc, err, sizeof(err)), 0);
	assert_int_equal(doc.kind, DRG_MANIFEST_IMAGE);
	assert_string_equal(doc.media_type, DRG_MT_OCI_MANIFEST);
	assert_int_equal(drg_manifest_parse(NULL,
		S("{\"manifests\":[{\"digest\":\"" D("c") "\"}]}"), &doc, err, sizeof(err)), 0);
	assert_int_equal(doc.kind, DRG_MANIFEST_INDEX);
	assert_string_equal(doc.child_digest, D("c"));
	assert_string_equal(doc.platform, "?/?");
}

static void index_prefers_linux_amd64(void **state)
{
	(void)state;
	assert_int_equal(drg_manifest_parse(NULL, S("{\"mediaType\":\"" DRG_MT_OCI_INDEX "\",\"manifests\":["
		"{\"digest\":\"" D("1") "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
		"{\"digest\":\"" D("2") "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
		"{\"digest\":\"" D("3") "\",\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}"),
		&doc, err, sizeof(err)), 0);
	assert_int_equal(doc.kind, DRG_MANIFEST_INDEX);
	assert_string_equal(doc.child_digest, D("2"));
	assert_string_equal(doc.platform, "linux/amd64");
}

static void index_skips_attestations(void **state)
{
	(void)state;
	assert_int_equal(drg_manifest_parse(DRG_MT_DOCKER_LIST, S("{\"manifests\":["
		"{\"digest\":\"" D("3") "\",\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}},"
		"{\"digest\":\"" D("4") "\",\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"},"
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
		"{\"digest\":\"bogus\"},"
		"{\"digest\":\"" D("5") "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}}]}"),
		&doc, err, sizeof(err)), 0);
	assert_string_equal(doc.child_digest, D("5"));
	assert_string_equal(doc.platform, "linux/arm64/v8");
	assert_int_equal(drg_manifest_parse(DRG_MT_OCI_INDEX, S("{\"manifests\":[]}"), &doc, err,
					    sizeof(err)), -1);
	assert_string_equal(err, "index has no usable image entry");
}

static void unusable_manifests(void **state)
{
	(void)state;
	assert_int_equal(drg_manifest_parse(NULL, S("nope"), &doc, err, sizeof(err)), -1);
	assert_int_equal(drg_manifest_parse(NULL, S("{\"schemaVersion\":1,\"fsLayers\":[]}"), &doc,
					    err, sizeof(err)), -1);
	assert_int_equal(drg_manifest_parse(DRG_MT_DOCKER_V2, S("{\"config\":{\"digest\":5}}"), &doc,
					    err, sizeof(err)), -1);
	assert_string_equal(err, "image manifest has no sha256 config digest");
}

static void image_config_created_and_labels(void **state)
{
	struct drg_image_config cfg;

	(void)state;
	assert_int_equal(drg_image_config_parse(S("{\"created\":\"2021-03-04T05:06:07Z\","
		"\"config\":{\"Labels\":{\"commitId\":\"abc\",\"url\":\"http://x/y\"}}}"),
		&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.created, "2021-03-04T05:06:07Z");
	assert_string_equal(cfg.labels, "{\"commitId\":\"abc\",\"url\":\"http://x/y\"}");
	drg_image_config_release(&cfg);
	assert_int_equal(drg_image_config_parse(S("{\"config\":{\"Labels\":null},\"history\":["
		"{\"created\":\"2020-01-01T00:00:00Z\"},{\"created\":\"2020-02-02T00:00:00Z\"},{}]}"),
		&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.created, "2020-02-02T00:00:00Z");
	assert_null(cfg.labels); /* Clouddriver's null, not {} (issue #22) */
	drg_image_config_release(&cfg);
	assert_int_equal(drg_image_config_parse(S("{\"config\":{\"Labels\":{}}}"), &cfg,
						err, sizeof(err)), 0);
	assert_string_equal(cfg.labels, "{}");
	drg_image_config_release(&cfg);
	assert_int_equal(drg_image_config_parse(S("{}"), &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.created, "");
	assert_null(cfg.labels);
	drg_image_config_release(&cfg);
	assert_int_equal(drg_image_config_parse(S("[]"), &cfg, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256_of_raw_bytes),
		cmocka_unit_test(docker_v2_image),
		cmocka_unit_test(kind_from_content_type_or_shape),
		cmocka_unit_test(index_prefers_linux_amd64),
		cmocka_unit_test(index_skips_attestations),
		cmocka_unit_test(unusable_manifests),
		cmocka_unit_test(image_config_created_and_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
