-- Named timers ("set a pasta timer for ten minutes"); NULL for an unnamed one.
ALTER TABLE timers ADD COLUMN name TEXT;
