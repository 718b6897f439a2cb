/* a root header: folder files may not include it */
