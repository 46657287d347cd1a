-- One e-mail address (no display name), checked with the WHATWG HTML "valid e-mail address" pattern: strict
-- enough to catch typos such as a missing @ or a comma inside a list, without rejecting real addresses; plus
-- RFC 5321's limits, which that pattern does not have: a local part of at most 64 characters, 254 in all.
CREATE OR REPLACE FUNCTION conflag.is_email_address(p_address text)
RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$
  SELECT p_address IS NOT NULL
     AND length(p_address) <= 254
     AND length(split_part(p_address, '@', 1)) <= 64
     AND p_address ~ '^[A-Za-z0-9.!#$%&''*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$'
$$;
COMMENT ON FUNCTION conflag.is_email_address(text) IS 'True when the text is one e-mail address such as ops@example.com (WHATWG HTML pattern; at most 64 characters before the @ and 254 in all, RFC 5321).';
