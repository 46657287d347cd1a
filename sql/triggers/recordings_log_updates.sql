-- The change log of incremental jobs, for updates of a recording's data: every column except confidential and its
-- two audit columns, so conflag's own flag updates never fire it (conflag.log_updated_recording()). BEFORE, not
-- AFTER: an UPDATE that moves a row to another partition fires BEFORE UPDATE row triggers only.
CREATE OR REPLACE TRIGGER recordings_log_updates
  BEFORE UPDATE OF id, tenant_id, call_id, started_at, ended_at, duration, direction, caller_number, caller_name,
                  callee_number, callee_name, user_name, group_name, tags, notes, custom
  ON conflag.recordings
  FOR EACH ROW
  WHEN ((OLD.id, OLD.tenant_id, OLD.call_id, OLD.started_at, OLD.ended_at, OLD.duration, OLD.direction, OLD.caller_number,
         OLD.caller_name, OLD.callee_number, OLD.callee_name, OLD.user_name, OLD.group_name, OLD.tags, OLD.notes, OLD.custom)
        IS DISTINCT FROM
        (NEW.id, NEW.tenant_id, NEW.call_id, NEW.started_at, NEW.ended_at, NEW.duration, NEW.direction, NEW.caller_number,
         NEW.caller_name, NEW.callee_number, NEW.callee_name, NEW.user_name, NEW.group_name, NEW.tags, NEW.notes, NEW.custom))
  EXECUTE FUNCTION conflag.log_updated_recording();
COMMENT ON TRIGGER recordings_log_updates ON conflag.recordings IS 'Logs recordings whose data (anything but confidential*) changed in conflag.recording_changes (incremental jobs).';
