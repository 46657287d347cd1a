-- The addresses of a jobs.notify_emails list: split at commas, trimmed, empty entries dropped, and duplicates
-- (ignoring case) dropped keeping the first spelling, in the order given. The jobs trigger has validated them.
CREATE OR REPLACE FUNCTION conflag.email_recipients(p_list text)
  RETURNS text[]
  LANGUAGE sql
  IMMUTABLE
AS $function$
  SELECT coalesce(array_agg(address ORDER BY position), '{}')
    FROM (SELECT min(position) AS position, (array_agg(address ORDER BY position))[1] AS address
            FROM (SELECT btrim(item, E' \t\r\n') AS address, position
                    FROM unnest(string_to_array(p_list, ',')) WITH ORDINALITY AS u(item, position)) AS items
           WHERE address <> ''
           GROUP BY lower(address)) AS distinct_addresses
$function$;

COMMENT ON FUNCTION conflag.email_recipients(text) IS 'The addresses of a notify_emails list (comma-separated): trimmed, empty entries and duplicates ignoring case removed, in the order given.';
