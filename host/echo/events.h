/*
 * events - from what one store apply changed to the events queued for Echo
 * (DESIGN 9.4), with Igor's rules that are not the provider's: an agent's
 * first fill (each apply until its first complete cycle is stored, see
 * store.h) sends nothing; more events from one apply than the account's
 * threshold (the plugin's event_threshold, else host.echo's) sends none
 * and logs an error. Which change is an event, and its JSON, is the
 * plugin's (describe_change): the host knows no provider.
 */
#ifndef CDH_EVENTS_H
#define CDH_EVENTS_H

#include "echo/echo.h"
#include "plugins/accounts.h"
#include "store/store.h"

/* Whether to note the changes of a run of `account`: sending is on and
 * its plugin describes changes. */
int cdh_events_wanted(struct cdh_echo *echo, const struct cdh_account *account);

/* Turns `changes` of `agent` (an apply of `account`) into queued events.
 * The account's worker thread, inside its run. */
void cdh_events_from_changes(struct cdh_echo *echo,
			     const struct cdh_account *account,
			     const char *agent,
			     const struct cdh_store_changes *changes);

#endif
