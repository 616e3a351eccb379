-- The access generation (issue 12 item 7): one number that every change to
-- what decides a request (users, roles and their permissions, bindings,
-- settings, login IP rules, a session that ends or changes hands) moves on, in the same
-- transaction, by trigger, so no code path can forget it. Each request
-- reads it with its session; a replica's cached principals are used only
-- while it stands still, so a revoked grant or session takes effect on the
-- very next request on every replica.
CREATE TABLE access_generation (
    id    INT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO access_generation (id, value) VALUES (1, 0);

CREATE FUNCTION bump_access_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE access_generation SET value = value + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER users_access AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER roles_access AFTER INSERT OR UPDATE OR DELETE ON roles FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER role_bindings_access AFTER INSERT OR UPDATE OR DELETE ON role_bindings FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER role_permissions_access AFTER INSERT OR UPDATE OR DELETE ON role_permissions FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER settings_access AFTER INSERT OR UPDATE OR DELETE ON settings FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER ip_rules_access AFTER INSERT OR UPDATE OR DELETE ON ip_rules FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER sessions_access AFTER DELETE ON sessions FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER sessions_user_access AFTER UPDATE OF user_id ON sessions FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id) EXECUTE FUNCTION bump_access_generation();
