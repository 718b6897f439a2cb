#include "plugins/loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugins/host_table.h"
#include "plugins/probe.h"
#include "util/fd_io.h"
#include "util/log.h"

/* The size of the 1.0 structs: anything smaller is not a v1 plugin. */
#define DESC_V1_SIZE (offsetof(struct cdh_plugin_desc, ops) + sizeof(void *))
#define OPS_V1_SIZE (offsetof(struct cdh_plugin_ops, destroy) + sizeof(void *))
/* What ABI 1.0 defines of the ops table (optional ops included). */
#define OPS_1_0_SIZE (offsetof(struct cdh_plugin_ops, verify) + sizeof(void *))

struct cdh_loader {
	char *probe_exe;
	char *private_dir;
	unsigned copies;
	struct cdh_plugin_slot **slots; /* heap slots: pointers stay valid */
	size_t count;
};

struct cdh_loader *cdh_loader_new(const char *probe_exe, char *err,
				  size_t errlen)
{
	struct cdh_loader *loader = calloc(1, sizeof(*loader));
	char templ[4096];

	if (!loader)
		goto nomem;
	snprintf(templ, sizeof(templ), "%s/cdhost-plugins-XXXXXX",
		 cdh_tmp_dir());
	if (!mkdtemp(templ)) {
		snprintf(err, errlen, "cannot create %s: %s", templ, strerror(errno));
		free(loader);
		return NULL;
	}
	loader->private_dir = strdup(templ);
	loader->probe_exe = probe_exe ? strdup(probe_exe) : NULL;
	if (!loader->private_dir || (probe_exe && !loader->probe_exe)) {
		cdh_loader_free(loader);
		goto nomem;
	}
	return loader;
nomem:
	snprintf(err, errlen, "out of memory");
	return NULL;
}

void cdh_loader_free(struct cdh_loader *loader)
{
	size_t i;

	if (!loader)
		return;
	for (i = 0; i < loader->count; i++) {
		struct cdh_plugin_slot *slot = loader->slots[i];

		if (slot->ready || slot->superseded)
			slot->ops.shutdown();
		if (slot->copy_path)
			unlink(slot->copy_path);
		free(slot->copy_path);
		free(slot->path);
		free(slot);
	}
	if (loader->private_dir)
		rmdir(loader->private_dir);
	free(loader->private_dir);
	free(loader->probe_exe);
	free(loader->slots);
	free(loader);
}

static void refuse(struct cdh_plugin_slot *slot, const char *fmt, ...)
	CDH_PRINTF(2, 3);

static void refuse(struct cdh_plugin_slot *slot, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(slot->error, sizeof(slot->error), fmt, ap);
	va_end(ap);
	slot->ready = 0;
}

static const char *missing_required_op(const struct cdh_plugin_ops *ops)
{
	if (!ops->init)
		return "init";
	if (!ops->shutdown)
		return "shutdown";
	if (!ops->validate_config)
		return "validate_config";
	if (!ops->create)
		return "create";
	if (!ops->agent_name)
		return "agent_name";
	if (!ops->refresh)
		return "refresh";
	if (!ops->destroy)
		return "destroy";
	return NULL;
}

/* Copies a plugin-owned struct the OBS way: zero-fill, then its own size. */
static void copy_sized(void *dst, size_t dst_size, const void *src,
		       uint32_t src_size)
{
	memset(dst, 0, dst_size);
	memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
}

/* The plugin's name for messages: its descriptor's, if it looks like one. */
static const char *answer_name(const struct cdh_negotiate_out *out)
{
	if (out->desc && out->desc->magic == CDH_PLUGIN_MAGIC && out->desc->name)
		return out->desc->name;
	return "(unnamed)";
}

static int check_answer(struct cdh_plugin_slot *slot,
			const struct cdh_negotiate_out *out, int32_t rc)
{
	if (out->abi_major != CDH_ABI_MAJOR)
		refuse(slot, "speaks ABI %u, this host speaks %u",
		       out->abi_major, CDH_ABI_MAJOR);
	else if (out->abi_minor_required > CDH_ABI_MINOR)
		refuse(slot, "plugin %s requires ABI %u.%u, this host speaks %u.%u",
		       answer_name(out), CDH_ABI_MAJOR, out->abi_minor_required,
		       CDH_ABI_MAJOR, CDH_ABI_MINOR);
	else if (out->abi_minor_required > out->abi_minor)
		refuse(slot, "requires ABI 1.%u but was built against 1.%u",
		       out->abi_minor_required, out->abi_minor);
	else if (out->signature != CDH_ABI_SIGNATURE)
		refuse(slot, "build signature %#x differs from the host's %#x",
		       out->signature, CDH_ABI_SIGNATURE);
	else if (rc != CDH_OK)
		refuse(slot, "negotiation refused: %s", cdh_strerror(rc));
	else if (!out->desc || out->desc->magic != CDH_PLUGIN_MAGIC ||
		 out->desc->struct_size < DESC_V1_SIZE)
		refuse(slot, "no valid plugin descriptor");
	else
		return 0;
	return -1;
}

/*
 * How much of the plugin's descriptor and ops table exists at ABI 1.`minor`
 * (the minor both sides speak): the host reads no further, whatever the
 * plugin's struct_size says. Each new minor adds its case here.
 */
static size_t desc_size_at(uint32_t minor)
{
	return minor == 0 ? DESC_V1_SIZE : sizeof(struct cdh_plugin_desc);
}

static size_t ops_size_at(uint32_t minor)
{
	return minor == 0 ? OPS_1_0_SIZE : sizeof(struct cdh_plugin_ops);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static int check_descriptor(struct cdh_plugin_slot *slot,
			    const struct cdh_plugin_desc *desc)
{
	const char *missing;

	copy_sized(&slot->desc, sizeof(slot->desc), desc,
		   min_u32(desc->struct_size, (uint32_t)desc_size_at(slot->abi_minor)));
	if (!desc->name || !desc->version || !desc->config_section ||
	    !desc->ops) {
		refuse(slot, "descriptor lacks name, version, config_section or ops");
		return -1;
	}
	if (desc->ops->struct_size < OPS_V1_SIZE) {
		refuse(slot, "ops table too small (%u bytes)", desc->ops->struct_size);
		return -1;
	}
	copy_sized(&slot->ops, sizeof(slot->ops), desc->ops,
		   min_u32(desc->ops->struct_size,
			   (uint32_t)ops_size_at(slot->abi_minor)));
	missing = missing_required_op(&slot->ops);
	if (missing) {
		refuse(slot, "missing required op '%s'", missing);
		return -1;
	}
	return 0;
}

/* dlopen + dlsym + negotiation + descriptor checks; 0 when acceptable. */
static int open_and_negotiate(struct cdh_plugin_slot *slot, const char *file)
{
	struct cdh_negotiate_in in = { 0 };
	struct cdh_negotiate_out out = { 0 };
	cdh_plugin_entry_fn entry;
	void *sym;
	int32_t rc;

	slot->handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (!slot->handle) {
		refuse(slot, "cannot load: %s", dlerror());
		return -1;
	}
	dlerror();
	sym = dlsym(slot->handle, CDH_PLUGIN_ENTRY_SYMBOL);
	if (!sym) {
		refuse(slot, "not a cdhost plugin: no %s symbol",
		       CDH_PLUGIN_ENTRY_SYMBOL);
		return -1;
	}
	/* POSIX guarantees a data pointer from dlsym converts to a function. */
	*(void **)&entry = sym;
	in.struct_size = sizeof(in);
	in.abi_major = CDH_ABI_MAJOR;
	in.abi_minor_max = CDH_ABI_MINOR;
	in.signature = CDH_ABI_SIGNATURE;
	in.api = cdh_host_table_get();
	out.struct_size = sizeof(out);
	rc = entry(&in, &out);
	slot->abi_major = out.abi_major;
	/* A plugin built against a newer minor speaks this host's. */
	slot->abi_minor = min_u32(out.abi_minor, CDH_ABI_MINOR);
	if (check_answer(slot, &out, rc) != 0)
		return -1;
	return check_descriptor(slot, out.desc);
}

int cdh_loader_probe_main(const char *path)
{
	struct cdh_plugin_slot slot = { 0 };

	if (open_and_negotiate(&slot, path) != 0) {
		printf("%s\n", slot.error);
		return 1;
	}
	return 0;
}

/* Copies the open plugin file `in` (the descriptor that was checked, not
 * its name again: the name may have been swapped since). */
static int copy_file(int in, const char *from, const char *to, char *err,
		     size_t errlen)
{
	char buf[65536];
	int out = -1, rc = -1;
	ssize_t n;

	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (out < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			goto out;
	rc = n == 0 ? 0 : -1;
out:
	if (rc != 0)
		snprintf(err, errlen, "cannot copy %s: %s", from, strerror(errno));
	if (out >= 0 && close(out) != 0)
		rc = -1;
	return rc;
}

static int duplicate_of_ready(const struct cdh_loader *loader,
			      struct cdh_plugin_slot *slot,
			      const struct cdh_plugin_slot *replacing)
{
	size_t i;

	for (i = 0; i < loader->count; i++) {
		const struct cdh_plugin_slot *other = loader->slots[i];

		if (other != slot && other != replacing && other->ready &&
		    (strcmp(other->desc.name, slot->desc.name) == 0 ||
		     strcmp(other->desc.config_section, slot->desc.config_section) == 0)) {
			refuse(slot, "plugin %s (section %s) is already loaded from %s",
			       slot->desc.name, slot->desc.config_section, other->path);
			return 1;
		}
	}
	return 0;
}

static void load_slot(struct cdh_loader *loader, struct cdh_plugin_slot *slot,
		      int fd, const struct cdh_plugin_slot *replacing)
{
	char copy[4096], err[256], why[sizeof(slot->error)];
	const char *base = strrchr(slot->path, '/');

	snprintf(copy, sizeof(copy), "%s/%u-%s", loader->private_dir,
		 ++loader->copies, base ? base + 1 : slot->path);
	if (copy_file(fd, slot->path, copy, err, sizeof(err)) != 0) {
		refuse(slot, "%s", err);
		unlink(copy);
		return;
	}
	slot->copy_path = strdup(copy);
	if (!slot->copy_path) { /* nothing would remove the copy */
		refuse(slot, "out of memory");
		unlink(copy);
		return;
	}
	if (loader->probe_exe &&
	    cdh_probe_run(loader->probe_exe, copy, why, sizeof(why)) != 0) {
		refuse(slot, "%s", why);
		return;
	}
	if (open_and_negotiate(slot, copy) != 0 ||
	    duplicate_of_ready(loader, slot, replacing)) {
		/* Nothing of a refused plugin has run but its entry: safe to unmap. */
		if (slot->handle)
			dlclose(slot->handle);
		slot->handle = NULL;
		return;
	}
	if (slot->ops.init(err, sizeof(err)) != CDH_OK) {
		refuse(slot, "init failed: %s", err);
		return;
	}
	slot->ready = 1;
}

static int is_plugin_file(const char *dir, const char *name, char *path,
			  size_t pathlen)
{
	size_t len = strlen(name);
	struct stat st;

	if (len < 4 || strcmp(name + len - 3, ".so") != 0 || name[0] == '.')
		return 0;
	snprintf(path, pathlen, "%s/%s", dir, name);
	return lstat(path, &st) == 0 && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * 1 (with the reason in the slot) when the directory holding `path` lets
 * someone else replace or add files: whoever can write it could swap a
 * plugin between any check and the load. The sticky bit (as on /tmp) keeps
 * others from renaming or removing our files, and theirs are refused by owner.
 */
static int unsafe_directory(struct cdh_plugin_slot *slot, const char *path)
{
	char dir[4096], *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0'; /* "/x.so" lives in "/" */
	if (stat(dir, &st) != 0)
		refuse(slot, "cannot check its directory %s: %s", dir, strerror(errno));
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		refuse(slot, "its directory %s is writable by group or others "
		       "without the sticky bit (chmod go-w %s)", dir, dir);
	else
		return 0;
	return 1;
}

/*
 * Opens the plugin file once, never through a symlink (collectd's rule), and
 * checks what was opened: a regular file that nobody but its owner (root or
 * us) can write. Returns the descriptor the private copy is read from, or -1
 * with the slot refused. O_NONBLOCK: a FIFO must not hang the open.
 */
static int open_checked(struct cdh_plugin_slot *slot, const char *path)
{
	struct stat st;
	int fd;

	slot->unsafe = 1;
	if (unsafe_directory(slot, path))
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		refuse(slot, "not a regular file (a symbolic link: plugins are "
		       "never loaded through one)");
	else if (fd < 0)
		refuse(slot, "cannot open: %s", strerror(errno));
	else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		refuse(slot, "not a regular file");
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		refuse(slot, "writable by group or others (chmod go-w it)");
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		refuse(slot, "owned by another user (uid %u)", (unsigned)st.st_uid);
	else {
		slot->unsafe = 0;
		return fd;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

static struct cdh_plugin_slot *add_slot(struct cdh_loader *loader,
				       const char *path,
				       const struct cdh_plugin_slot *replacing)
{
	struct cdh_plugin_slot **grown =
		realloc(loader->slots, (loader->count + 1) * sizeof(*grown));
	struct cdh_plugin_slot *slot;
	int fd;

	if (!grown)
		return NULL;
	loader->slots = grown;
	slot = calloc(1, sizeof(*slot));
	if (!slot || !(slot->path = strdup(path))) {
		free(slot);
		return NULL;
	}
	loader->slots[loader->count++] = slot;
	fd = open_checked(slot, path);
	if (fd >= 0) {
		load_slot(loader, slot, fd, replacing);
		close(fd);
	}
	if (!slot->ready && slot->unsafe)
		cdh_log(CDH_LOG_WARN, NULL, "plugin %s refused: %s", path,
			slot->error);
	return slot;
}

/* The ready plugin a file in the directory provided, by path. */
static struct cdh_plugin_slot *ready_from(const struct cdh_loader *loader,
					  const char *path)
{
	size_t i;

	for (i = 0; i < loader->count; i++)
		if (loader->slots[i]->ready && strcmp(loader->slots[i]->path, path) == 0)
			return loader->slots[i];
	return NULL;
}

/*
 * Drops the slots of `path` before `keep` that were refused without
 * anything of them mapped: each failed reload (a retry every minute while
 * descriptors run out) added one, and the table grew for as long. Those
 * mapped (init failed, a reverted load) stay: their code may not unmap.
 */
static void drop_refused(struct cdh_loader *loader, const char *path,
			 const struct cdh_plugin_slot *keep)
{
	size_t i, kept = 0;

	for (i = 0; i < loader->count; i++) {
		struct cdh_plugin_slot *slot = loader->slots[i];

		if (slot == keep || slot->ready || slot->superseded ||
		    slot->users || slot->handle || strcmp(slot->path, path) != 0) {
			loader->slots[kept++] = slot;
			continue;
		}
		if (slot->copy_path)
			unlink(slot->copy_path);
		free(slot->copy_path);
		free(slot->path);
		free(slot);
	}
	loader->count = kept;
}

struct cdh_plugin_slot *cdh_loader_reload_file(struct cdh_loader *loader,
					       const char *path,
					       struct cdh_plugin_slot **replaced,
					       char *err, size_t errlen)
{
	struct cdh_plugin_slot *old = ready_from(loader, path), *slot;

	*replaced = NULL;
	slot = add_slot(loader, path, old);
	if (!slot) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!slot->ready) {
		snprintf(err, errlen, "%s: %s", path, slot->error);
		drop_refused(loader, path, slot);
		return NULL;
	}
	if (old) {
		old->ready = 0;
		old->superseded = 1;
		*replaced = old;
	}
	return slot;
}

void cdh_loader_revert(struct cdh_plugin_slot *slot,
		       struct cdh_plugin_slot *replaced, const char *why)
{
	slot->ops.shutdown();
	slot->ready = 0;
	snprintf(slot->error, sizeof(slot->error), "%s", why);
	if (replaced) {
		replaced->superseded = 0;
		replaced->ready = 1;
	}
}

void cdh_loader_retire(struct cdh_plugin_slot *slot)
{
	if (!slot->superseded)
		return;
	slot->ops.shutdown();
	slot->superseded = 0;
	snprintf(slot->error, sizeof(slot->error), "replaced by a newer load");
}

static int list_dir(const char *dir, char ***names, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	char path[4096];

	*names = NULL;
	*count = 0;
	if (!d)
		return -1;
	while ((ent = readdir(d)) != NULL) {
		char **grown;

		if (!is_plugin_file(dir, ent->d_name, path, sizeof(path)))
			continue;
		grown = realloc(*names, (*count + 1) * sizeof(char *));
		if (!grown || !(grown[*count] = strdup(path))) {
			*names = grown ? grown : *names;
			break;
		}
		*names = grown;
		(*count)++;
	}
	closedir(d);
	if (*count > 1) /* qsort(NULL, 0) is undefined behaviour (UBSan) */
		qsort(*names, *count, sizeof(char *), by_name);
	return 0;
}

int cdh_loader_scan(struct cdh_loader *loader, const char *dir, char *err,
		    size_t errlen)
{
	char **names;
	size_t count, i;
	int rc = 0;

	if (list_dir(dir, &names, &count) != 0) {
		snprintf(err, errlen, "plugin directory %s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < count; i++) {
		if (rc == 0 && !add_slot(loader, names[i], NULL)) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Replaces the file name of the path in `out` with `rel`; 1 when that
 * names a directory. */
static int beside_exe(char *out, size_t len, const char *exe, const char *rel)
{
	struct stat st;
	char *slash;

	snprintf(out, len, "%s", exe ? exe : "");
	slash = strrchr(out, '/');
	if (!slash)
		return 0;
	snprintf(slash, len - (size_t)(slash - out), "/%s", rel);
	return stat(out, &st) == 0 && S_ISDIR(st.st_mode);
}

void cdh_loader_choose_dir(const char *given, const char *configured,
			   const char *exe, char *out, size_t len)
{
	if (given || configured) {
		snprintf(out, len, "%s", given ? given : configured);
		return;
	}
	/* A build tree, then an install wherever it was moved or unpacked
	 * (cmake --install --prefix, dpkg -x), then the configured prefix. */
	if (beside_exe(out, len, exe, "plugins") ||
	    beside_exe(out, len, exe, CDH_INSTALL_PLUGIN_DIR_FROM_BIN))
		return;
	snprintf(out, len, "%s", CDH_INSTALL_PLUGIN_DIR);
}

size_t cdh_loader_count(const struct cdh_loader *loader)
{
	return loader->count;
}

struct cdh_plugin_slot *cdh_loader_slot(const struct cdh_loader *loader,
					      size_t index)
{
	return index < loader->count ? loader->slots[index] : NULL;
}

const struct cdh_plugin_slot *cdh_loader_find_section(
	const struct cdh_loader *loader, const char *section)
{
	size_t i;

	for (i = 0; i < loader->count; i++)
		if (loader->slots[i]->ready &&
		    strcmp(loader->slots[i]->desc.config_section, section) == 0)
			return loader->slots[i];
	return NULL;
}
