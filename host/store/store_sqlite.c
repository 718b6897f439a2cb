/*
 * store_sqlite - the SQLite backend of the store: one table of records keyed
 * by (type, id), indexed by (agent, scope) for per-scope replacement.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_backend.h"

#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 10000

#define READER_POOL 8

/*
 * One writer connection, applies serialised by write_lock; readers get a
 * connection of their own from a small pool, so with WAL a query never waits
 * for a cycle being applied, nor a cycle for a query.
 */
struct cdh__store_impl {
	sqlite3 *db; /* the writer */
	char *path;
	pthread_mutex_t write_lock;
	pthread_mutex_t pool_lock;
	sqlite3 *readers[READER_POOL];
	size_t reader_count;
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS records ("
	"  type TEXT NOT NULL, id TEXT NOT NULL, agent TEXT NOT NULL,"
	"  scope TEXT NOT NULL, attributes TEXT NOT NULL,"
	"  PRIMARY KEY (type, id)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS records_by_owner ON records (agent, scope);"
	/* When each (agent, scope)'s data was read (store.h): added beside
	 * version 1's table, so an older file gains it on open. */
	"CREATE TABLE IF NOT EXISTS scope_observed ("
	"  agent TEXT NOT NULL, scope TEXT NOT NULL, ns INTEGER NOT NULL,"
	"  PRIMARY KEY (agent, scope)) WITHOUT ROWID;"
	/* Agents whose first fill started, and whether it is over
	 * (store.h): added the same way. */
	"CREATE TABLE IF NOT EXISTS fill_state ("
	"  agent TEXT PRIMARY KEY NOT NULL, filled INTEGER NOT NULL) WITHOUT ROWID;";

static void sqlite_close(struct cdh__store_impl *store);

static int fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "cache store: %s: %s", what, sqlite3_errmsg(db));
	return -1;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "cache store: %s", msg ? msg : "error");
	sqlite3_free(msg);
	return -1;
}

static int check_schema(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *stmt;
	int version = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
		return fail(db, "schema", err, errlen);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	if (version == 0)
		return exec(db, "PRAGMA user_version = 1", err, errlen);
	if (version != SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "cache store: schema version %d, this cdhost reads %d",
			 version, SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

struct cdh__store_impl *cdh__store_sqlite_open(const char *path, char *err,
					       size_t errlen)
{
	struct cdh__store_impl *store = calloc(1, sizeof(*store));

	if (!store || !(store->path = strdup(path))) {
		snprintf(err, errlen, "cache store: out of memory");
		free(store);
		return NULL;
	}
	pthread_mutex_init(&store->write_lock, NULL);
	pthread_mutex_init(&store->pool_lock, NULL);
	if (sqlite3_open_v2(path, &store->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cache store %s: %s", path,
			 store->db ? sqlite3_errmsg(store->db) : "cannot open");
		sqlite_close(store);
		return NULL;
	}
	sqlite3_busy_timeout(store->db, BUSY_TIMEOUT_MS);
	/* WAL: readers (queries, the API) never wait for a cycle being applied. */
	if (exec(store->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
		 err, errlen) != 0 ||
	    exec(store->db, schema_sql, err, errlen) != 0 ||
	    check_schema(store->db, err, errlen) != 0) {
		sqlite_close(store);
		return NULL;
	}
	return store;
}

/* Closes a reader with the statements it kept (reader_stmt). */
static void reader_close(sqlite3 *db)
{
	sqlite3_stmt *stmt;

	while (db && (stmt = sqlite3_next_stmt(db, NULL)))
		sqlite3_finalize(stmt);
	sqlite3_close(db);
}

static void sqlite_close(struct cdh__store_impl *store)
{
	size_t i;

	if (!store)
		return;
	for (i = 0; i < store->reader_count; i++)
		reader_close(store->readers[i]);
	sqlite3_close(store->db);
	pthread_mutex_destroy(&store->write_lock);
	pthread_mutex_destroy(&store->pool_lock);
	free(store->path);
	free(store);
}

/* A read connection from the pool, or a new one; NULL with err. */
static sqlite3 *reader_get(struct cdh__store_impl *store, char *err, size_t errlen)
{
	sqlite3 *db = NULL;

	pthread_mutex_lock(&store->pool_lock);
	if (store->reader_count)
		db = store->readers[--store->reader_count];
	pthread_mutex_unlock(&store->pool_lock);
	if (db)
		return db;
	if (sqlite3_open_v2(store->path, &db,
			    SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cache store %s: %s", store->path,
			 db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	return db;
}

static void reader_put(struct cdh__store_impl *store, sqlite3 *db)
{
	pthread_mutex_lock(&store->pool_lock);
	if (store->reader_count < READER_POOL) {
		store->readers[store->reader_count++] = db;
		db = NULL;
	}
	pthread_mutex_unlock(&store->pool_lock);
	reader_close(db);
}

/*
 * The reader's statement for `sql`, prepared at its first use and kept
 * with the connection: preparing cost more than reading one repository's
 * 100 rows (/tags). Give it back with reader_stmt_done. NULL on error.
 */
static sqlite3_stmt *reader_stmt(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;

	while ((stmt = sqlite3_next_stmt(db, stmt)))
		if (!sqlite3_stmt_busy(stmt) && strcmp(sqlite3_sql(stmt), sql) == 0)
			return stmt;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt,
			       NULL) != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return NULL;
	}
	return stmt;
}

/* Ends the statement's read (its snapshot) and unbinds it for the next. */
static void reader_stmt_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

/* Runs `sql` once per scope of the refresh whose result is `result`. */
static int each_scope(sqlite3 *db, const struct cdh_refresh *refresh,
		      const char *sql, int result)
{
	sqlite3_stmt *stmt;
	size_t i;
	int rc = SQLITE_OK;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; rc == SQLITE_OK && i < refresh->scope_count; i++) {
		if (result >= 0 && refresh->scopes[i].result != result)
			continue;
		sqlite3_bind_text(stmt, 1, refresh->agent, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, refresh->scopes[i].scope, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_OK ? 0 : -1;
}

static int scope_failed(const struct cdh_refresh *refresh, const char *scope)
{
	size_t i;

	for (i = 0; i < refresh->scope_count; i++)
		if (refresh->scopes[i].result == CDH_SCOPE_FAILED &&
		    strcmp(refresh->scopes[i].scope, scope) == 0)
			return 1;
	return 0;
}

/* A pass over the cycle's records with one statement (insert or compare). */
struct record_pass {
	const struct cdh_refresh *refresh;
	sqlite3_stmt *stmt;
	int failed; /* a step failed: sqlite3_errmsg says why */
};

/* Runs `fn` over the records of the scopes that did not fail, with `sql`
 * prepared. 0; -1 an SQLite error; -2 the records could not be read back,
 * with err. */
static int each_kept_record(sqlite3 *db, const struct cdh_refresh *refresh,
			    const char *sql, cdh_record_spool_fn fn,
			    char *err, size_t errlen)
{
	struct record_pass pass = { refresh, NULL, 0 };
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &pass.stmt, NULL) != SQLITE_OK)
		return -1;
	rc = cdh_record_spool_each(&refresh->records, fn, &pass, err, errlen);
	sqlite3_finalize(pass.stmt);
	return pass.failed ? -1 : rc < 0 ? -2 : 0;
}

/* A failed scope keeps its old records, whatever it emitted. */
static int kept(const struct record_pass *pass,
		const struct cdh_spooled_record *r)
{
	return !pass->refresh->failed_scopes ||
	       !scope_failed(pass->refresh, r->scope);
}

static int insert_record(const struct cdh_spooled_record *r, void *data)
{
	struct record_pass *pass = data;
	sqlite3_stmt *stmt = pass->stmt;

	if (!kept(pass, r))
		return 0;
	sqlite3_bind_text(stmt, 1, r->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, pass->refresh->agent, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, r->scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, r->attributes, -1, SQLITE_STATIC);
	pass->failed = sqlite3_step(stmt) != SQLITE_DONE;
	sqlite3_reset(stmt);
	return pass->failed;
}

/* One statement per record, read back one at a time: the cycle is never
 * whole in memory (SQLite spills the transaction's pages to the WAL). */
static int insert_records(sqlite3 *db, const struct cdh_refresh *refresh,
			  char *err, size_t errlen)
{
	return each_kept_record(db, refresh,
				"INSERT OR REPLACE INTO records "
				"(type, id, agent, scope, attributes) "
				"VALUES (?1, ?2, ?3, ?4, ?5)",
				insert_record, err, errlen);
}

/* Every scope this cycle reported, in a temp table. */
static int note_mentioned_scopes(sqlite3 *db, const struct cdh_refresh *refresh)
{
	sqlite3_stmt *stmt;
	size_t i;
	int rc = SQLITE_OK;

	if (sqlite3_exec(db,
			 "CREATE TEMP TABLE IF NOT EXISTS cycle_scopes "
			 "(scope TEXT PRIMARY KEY); DELETE FROM cycle_scopes;",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO cycle_scopes VALUES (?1)",
			       -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; rc == SQLITE_OK && i < refresh->scope_count; i++) {
		sqlite3_bind_text(stmt, 1, refresh->scopes[i].scope, -1,
				  SQLITE_STATIC);
		rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_OK ? 0 : -1;
}

/* 0; -1 an SQLite error; -2 with err (insert_records). */
static int apply_in_transaction(sqlite3 *db, const struct cdh_refresh *refresh,
				char *err, size_t errlen)
{
	sqlite3_stmt *stmt;
	int rc;

	if (refresh->partial)
		goto replace; /* one scope on demand: the others stay */
	if (note_mentioned_scopes(db, refresh) != 0)
		return -1;
	/* Scopes the agent no longer has (a repository left the list). */
	if (sqlite3_prepare_v2(db,
			       "DELETE FROM records WHERE agent = ?1 AND scope NOT IN "
			       "(SELECT scope FROM cycle_scopes)",
			       -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(stmt, 1, refresh->agent, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return -1;
replace:
	if (each_scope(db, refresh,
		       "DELETE FROM records WHERE agent = ?1 AND scope = ?2",
		       CDH_SCOPE_OK) != 0)
		return -1;
	return insert_records(db, refresh, err, errlen);
}

/* Notes one record the cycle writes if it is new or differs. */
static int note_record(const struct cdh_spooled_record *r, void *data)
{
	struct record_pass *pass = data;
	sqlite3_stmt *stmt = pass->stmt;
	const char *old = NULL;
	int rc;

	if (!kept(pass, r))
		return 0;
	sqlite3_bind_text(stmt, 1, r->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, r->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		old = (const char *)sqlite3_column_text(stmt, 0);
	else if (rc != SQLITE_DONE)
		return pass->failed = 1;
	if (!old || strcmp(old, r->attributes) != 0)
		cdh_store_changes_add(pass->refresh->changes, r->type, r->id,
				      old, r->attributes);
	sqlite3_reset(stmt);
	return 0;
}

/*
 * Compares what the cycle writes with what is stored, inside the apply's
 * transaction (BEGIN IMMEDIATE: no other writer between), into
 * refresh->changes. 0; -1 an SQLite error; -2 with err.
 */
static int note_changes(sqlite3 *db, const struct cdh_refresh *refresh,
			char *err, size_t errlen)
{
	return each_kept_record(db, refresh,
				"SELECT attributes FROM records WHERE type = ?1 AND id = ?2",
				note_record, err, errlen);
}

/* Notes the changes (if wanted) and applies, in the open transaction.
 * 0, or -1 with err. */
static int apply_noting(sqlite3 *db, const struct cdh_refresh *refresh,
			char *err, size_t errlen)
{
	int rc = 0;

	if (refresh->changes)
		rc = note_changes(db, refresh, err, errlen);
	if (rc == 0)
		rc = apply_in_transaction(db, refresh, err, errlen);
	if (rc == -1)
		fail(db, "applying a refresh", err, errlen);
	return rc ? -1 : 0;
}

static int sqlite_apply(struct cdh__store_impl *store, const struct cdh_refresh *refresh,
		    char *err, size_t errlen)
{
	int rc = -1;

	pthread_mutex_lock(&store->write_lock);
	if (exec(store->db, "BEGIN IMMEDIATE", err, errlen) != 0)
		goto out;
	if (apply_noting(store->db, refresh, err, errlen) != 0) {
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	rc = exec(store->db, "COMMIT", err, errlen);
	if (rc != 0)
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
out:
	if (rc != 0 && refresh->changes) /* nothing was stored */
		cdh_store_changes_clear(refresh->changes);
	pthread_mutex_unlock(&store->write_lock);
	return rc;
}

/*
 * Runs `sql` once with ?1 = agent: 1 it gave a row (its first column into
 * *value when not NULL), 0 none, -1 an SQLite error.
 */
static int agent_statement(sqlite3 *db, const char *sql, const char *agent,
			   int *value)
{
	sqlite3_stmt *stmt;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(stmt, 1, agent, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && value)
		*value = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int sqlite_forget_agent(struct cdh__store_impl *store, const char *agent,
			   char *err, size_t errlen)
{
	int rc;

	pthread_mutex_lock(&store->write_lock);
	/* The records first: records without a marker read as filled. */
	rc = agent_statement(store->db, "DELETE FROM records WHERE agent = ?1",
			     agent, NULL);
	if (rc == 0)
		rc = agent_statement(store->db,
				     "DELETE FROM fill_state WHERE agent = ?1",
				     agent, NULL);
	if (rc != 0)
		fail(store->db, "forgetting an agent", err, errlen);
	pthread_mutex_unlock(&store->write_lock);
	return rc == 0 ? 0 : -1;
}

/* The agent's marker, read or started: *filled. 0 or -1 (SQLite error).
 * write_lock held; another process on the same file may start it between
 * the read and the insert: the insert is then ignored and its marker read. */
static int fill_state(sqlite3 *db, const char *agent, int *filled)
{
	int rc = agent_statement(db, "SELECT filled FROM fill_state "
				     "WHERE agent = ?1", agent, filled);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	/* No marker: records are an older cdhost's cache (store.h). */
	rc = agent_statement(db, "SELECT 1 FROM records WHERE agent = ?1 LIMIT 1",
			     agent, NULL);
	if (rc < 0)
		return -1;
	rc = agent_statement(db, rc ? "INSERT OR IGNORE INTO fill_state VALUES (?1, 1)"
				    : "INSERT OR IGNORE INTO fill_state VALUES (?1, 0)",
			     agent, NULL);
	if (rc < 0)
		return -1;
	rc = agent_statement(db, "SELECT filled FROM fill_state "
				 "WHERE agent = ?1", agent, filled);
	return rc < 0 ? -1 : 0;
}

static int sqlite_fill_begin(struct cdh__store_impl *store,
			     const char *provider, const char *agent,
			     int *filled, char *err, size_t errlen)
{
	int rc;

	(void)provider;
	pthread_mutex_lock(&store->write_lock);
	rc = fill_state(store->db, agent, filled);
	if (rc != 0)
		fail(store->db, "first fill", err, errlen);
	pthread_mutex_unlock(&store->write_lock);
	return rc;
}

static int sqlite_fill_done(struct cdh__store_impl *store, const char *provider,
			    const char *agent, char *err, size_t errlen)
{
	int rc;

	(void)provider;
	pthread_mutex_lock(&store->write_lock);
	rc = agent_statement(store->db,
			     "INSERT OR REPLACE INTO fill_state VALUES (?1, 1)",
			     agent, NULL);
	if (rc != 0)
		fail(store->db, "first fill", err, errlen);
	pthread_mutex_unlock(&store->write_lock);
	return rc == 0 ? 0 : -1;
}

/* The smallest string greater than every string starting with `prefix`. */
static char *prefix_upper_bound(const char *prefix)
{
	size_t len = strlen(prefix);
	char *upper = malloc(len + 2);

	if (!upper)
		return NULL;
	memcpy(upper, prefix, len);
	/* 0xFF never occurs in UTF-8, so prefix + "\xFF" bounds the range. */
	upper[len] = (char)0xFF;
	upper[len + 1] = '\0';
	return upper;
}

static int run_rows(sqlite3_stmt *stmt, cdh_store_row_fn fn, void *data)
{
	int rc, found = 0;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		found = 1;
		if (fn((const char *)sqlite3_column_text(stmt, 0),
		       (const char *)sqlite3_column_text(stmt, 1), data) != 0)
			return 1;
	}
	return rc == SQLITE_DONE ? found : -1;
}

static int sqlite_scan(struct cdh__store_impl *store, const char *type,
		   const char *id_prefix, cdh_store_row_fn fn, void *data,
		   char *err, size_t errlen)
{
	sqlite3_stmt *stmt;
	char *upper = prefix_upper_bound(id_prefix);
	int rc;

	sqlite3 *db;

	if (!upper) {
		snprintf(err, errlen, "cache store: out of memory");
		return -1;
	}
	db = reader_get(store, err, errlen);
	if (!db) {
		free(upper);
		return -1;
	}
	/* The primary key (type, id) makes the prefix an index range. */
	stmt = reader_stmt(db, "SELECT id, attributes FROM records WHERE type = ?1 "
			       "AND id >= ?2 AND id < ?3 ORDER BY id");
	rc = stmt ? 0 : -1;
	if (rc == 0) {
		sqlite3_bind_text(stmt, 1, type, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, id_prefix, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, upper, -1, SQLITE_STATIC);
		rc = run_rows(stmt, fn, data);
		if (rc < 0)
			fail(db, "scan", err, errlen);
		reader_stmt_done(stmt);
	}
	if (!stmt)
		fail(db, "scan", err, errlen);
	reader_put(store, db);
	free(upper);
	return rc < 0 ? -1 : 0;
}

static int sqlite_get(struct cdh__store_impl *store, const char *type, const char *id,
		  cdh_store_row_fn fn, void *data, char *err, size_t errlen)
{
	sqlite3_stmt *stmt;
	sqlite3 *db = reader_get(store, err, errlen);
	int rc;

	if (!db)
		return -1;
	stmt = reader_stmt(db, "SELECT id, attributes FROM records "
			       "WHERE type = ?1 AND id = ?2");
	rc = stmt ? 0 : -1;
	if (rc == 0) {
		sqlite3_bind_text(stmt, 1, type, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, id, -1, SQLITE_STATIC);
		rc = run_rows(stmt, fn, data);
		if (rc < 0)
			fail(db, "get", err, errlen);
		reader_stmt_done(stmt);
	}
	if (!stmt)
		fail(db, "get", err, errlen);
	reader_put(store, db);
	return rc;
}

static int sqlite_scope_records(struct cdh__store_impl *store,
				const char *agent, const char *scope,
				cdh_store_record_fn fn, void *data, char *err,
				size_t errlen)
{
	sqlite3_stmt *stmt;
	sqlite3 *db = reader_get(store, err, errlen);
	int rc = SQLITE_ERROR;

	if (!db)
		return -1;
	/* records_by_owner (agent, scope) finds them; the sort is per scope. */
	if (sqlite3_prepare_v2(db,
			       "SELECT type, id, attributes FROM records "
			       "WHERE agent = ?1 AND scope = ?2 ORDER BY id, type",
			       -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, agent, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, scope, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
			if (fn((const char *)sqlite3_column_text(stmt, 0),
			       (const char *)sqlite3_column_text(stmt, 1),
			       (const char *)sqlite3_column_text(stmt, 2),
			       data) != 0) {
				rc = SQLITE_DONE;
				break;
			}
		sqlite3_finalize(stmt);
	}
	if (rc != SQLITE_DONE)
		fail(db, "scope records", err, errlen);
	reader_put(store, db);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int sqlite_observed_get(struct cdh__store_impl *store,
			       const char *provider, const char *agent,
			       const char *const *scopes, size_t n,
			       uint64_t *out, char *err, size_t errlen)
{
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int rc = 0, step;

	(void)provider;
	pthread_mutex_lock(&store->write_lock);
	if (sqlite3_prepare_v2(store->db,
			       "SELECT ns FROM scope_observed WHERE agent = ?1 "
			       "AND scope = ?2", -1, &stmt, NULL) != SQLITE_OK)
		rc = fail(store->db, "observed", err, errlen);
	for (i = 0; rc == 0 && i < n; i++) {
		sqlite3_bind_text(stmt, 1, agent, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, scopes[i], -1, SQLITE_STATIC);
		step = sqlite3_step(stmt);
		out[i] = step == SQLITE_ROW
				 ? (uint64_t)sqlite3_column_int64(stmt, 0) : 0;
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			rc = fail(store->db, "observed", err, errlen);
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&store->write_lock);
	return rc;
}

static int put_observed(sqlite3 *db, const char *agent,
			const char *const *scopes, const uint64_t *ns, size_t n)
{
	sqlite3_stmt *stmt;
	size_t i;
	int rc = SQLITE_OK;

	if (sqlite3_prepare_v2(db,
			       "INSERT OR REPLACE INTO scope_observed "
			       "(agent, scope, ns) VALUES (?1, ?2, ?3)", -1,
			       &stmt, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_bind_text(stmt, 1, agent, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, scopes[i], -1, SQLITE_STATIC);
		/* ns fits: int64 holds wall-clock ns until 2262. */
		sqlite3_bind_int64(stmt, 3, (sqlite3_int64)ns[i]);
		rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_OK ? 0 : -1;
}

static int sqlite_observed_put(struct cdh__store_impl *store,
			       const char *provider, const char *agent,
			       const char *const *scopes, const uint64_t *ns,
			       size_t n, char *err, size_t errlen)
{
	int rc;

	(void)provider;
	pthread_mutex_lock(&store->write_lock);
	rc = exec(store->db, "BEGIN IMMEDIATE", err, errlen);
	if (rc == 0 && put_observed(store->db, agent, scopes, ns, n) != 0) {
		fail(store->db, "observed", err, errlen);
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
		rc = -1;
	} else if (rc == 0) {
		rc = exec(store->db, "COMMIT", err, errlen);
	}
	pthread_mutex_unlock(&store->write_lock);
	return rc;
}

static int sqlite_observed_after(struct cdh__store_impl *store,
				 const char *provider, const char *agent,
				 uint64_t after, cdh__store_scope_fn fn,
				 void *data, char *err, size_t errlen)
{
	sqlite3_stmt *stmt = NULL;
	int step = SQLITE_DONE;

	(void)provider;
	pthread_mutex_lock(&store->write_lock);
	if (sqlite3_prepare_v2(store->db,
			       "SELECT scope FROM scope_observed WHERE agent = ?1 "
			       "AND ns > ?2", -1, &stmt, NULL) != SQLITE_OK) {
		step = SQLITE_ERROR;
	} else {
		sqlite3_bind_text(stmt, 1, agent, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)after);
		while ((step = sqlite3_step(stmt)) == SQLITE_ROW &&
		       fn((const char *)sqlite3_column_text(stmt, 0), data) == 0)
			;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		fail(store->db, "observed", err, errlen);
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&store->write_lock);
	return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
}

const struct cdh__store_backend cdh__store_sqlite = {
	"sqlite", sqlite_close, sqlite_apply, sqlite_forget_agent, sqlite_scan,
	sqlite_get, sqlite_scope_records, NULL, NULL, sqlite_observed_get,
	sqlite_observed_put, sqlite_observed_after, NULL, sqlite_fill_begin,
	sqlite_fill_done,
};
