/*
 * event - the event Igor's docker monitor posts to Echo for a stored tag
 * (reference clouddriver-docker.md §6, Igor's DockerMonitor and
 * DockerEvent), built from what the store changed: the host calls the
 * plugin's describe_change per changed record and posts what it returns.
 */
#ifndef DRG_EVENT_H
#define DRG_EVENT_H

#include "account/account.h"

/*
 * The event JSON for a change of record (`type`, `id`) of `account`, as a
 * new string (caller frees), or NULL when Igor would send none: not a
 * taggedImage; a tag seen before, unless the account tracks digests and
 * the digest changed from one value to another (none -> some, or some ->
 * none, is no event). `old_attributes` NULL: the tag is new.
 */
char *drg_event_describe(const struct drg_account *account, const char *type,
			 const char *id, const char *old_attributes,
			 const char *new_attributes);

#endif
