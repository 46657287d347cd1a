-- One e-mail address (no display name), checked with the WHATWG HTML "valid e-mail address" pattern: strict
-- enough to catch typos such as a missing @ or a comma inside a list, without rejecting real addresses.
CREATE OR REPLACE FUNCTION conflag.is_email_address(p_address text)
RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$
  SELECT p_address IS NOT NULL
     AND length(p_address) <= 254
     AND p_address ~ '^[A-Za-z0-9.!#$%&''*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$'
$$;
COMMENT ON FUNCTION conflag.is_email_address(text) IS 'True when the text is one e-mail address such as ops@example.com (WHATWG HTML pattern, at most 254 characters).';
