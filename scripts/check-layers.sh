#!/usr/bin/env bash
# Fails when a file includes a header of a folder above its own layer
# (DESIGN §1, STYLE.md §13). Each component's folders and what each may
# include are below; a folder may always include its own headers, and the
# component's root files (plugin.c, cli.c...) may include any folder.
#   check-layers.sh [TREE]   TREE defaults to the project; tests point it at
#                            a fixture tree to prove a bad include fails.
set -euo pipefail
tree=${1:-$(cd "$(dirname "$0")/.." && pwd)}

declare -A allowed=(
  # plugin: util <- http <- auth <- registry <- agent <- query <- entry,
  #         util <- account <- credentials <- auth
  [plugin/docker_registry/util]=""
  [plugin/docker_registry/http]="util"
  [plugin/docker_registry/account]="util"
  [plugin/docker_registry/credentials]="account util"
  [plugin/docker_registry/auth]="credentials account http util"
  [plugin/docker_registry/registry]="auth credentials account http util"
  [plugin/docker_registry/agent]="registry auth credentials account http util"
  [plugin/docker_registry/query]="agent registry auth credentials account http util"
  # host: util <- config <- plugins <- schedule <- api; store on util only;
  #       halyard and echo on plugins and config
  [host/util]=""
  [host/config]="util"
  [host/store]="util"
  [host/plugins]="config store util"
  [host/schedule]="plugins config store util"
  [host/api]="schedule plugins config store util"
  [host/halyard]="plugins config store util"
  # echo: events to Echo (delivery, Igor's rules over the store's changes)
  [host/echo]="plugins config store util"
)

status=0
for component in plugin/docker_registry host; do
  [ -d "$tree/$component" ] || continue
  while IFS= read -r file; do
    rel=${file#"$tree/$component/"}
    case $rel in */*) folder=${rel%%/*} ;; *) continue ;; esac  # root files
    key="$component/$folder"
    if [ -z "${allowed[$key]+set}" ]; then
      echo "$component/$rel: folder $folder/ has no layer in check-layers.sh" >&2
      status=1
      continue
    fi
    while IFS=: read -r line inc; do
      case $inc in
        */*) dep=${inc%%/*}
             [ "$dep" = "$folder" ] && continue
             case " ${allowed[$key]} " in *" $dep "*) continue ;; esac
             why="$folder/ may not include $dep/" ;;
        *) [ -f "$tree/$component/$inc" ] || continue  # the ABI header
           why="$folder/ may not include a root header (plugin.c, cli.c...)" ;;
      esac
      echo "$component/$rel:$line: includes \"$inc\": $why" >&2
      status=1
    done < <(grep -noE '^#include "[^"]+"' "$file" | sed -E 's/^([0-9]+):#include "(.*)"/\1:\2/')
  done < <(find "$tree/$component" -name '*.[ch]' | sort)
done
[ $status -eq 0 ] && echo "ok: every include respects the layers"
exit $status
