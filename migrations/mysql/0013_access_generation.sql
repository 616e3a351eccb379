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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO access_generation (id, value) VALUES (1, 0);
CREATE TRIGGER users_insert_access AFTER INSERT ON users FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER users_update_access AFTER UPDATE ON users FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER users_delete_access AFTER DELETE ON users FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER roles_insert_access AFTER INSERT ON roles FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER roles_update_access AFTER UPDATE ON roles FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER roles_delete_access AFTER DELETE ON roles FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER role_bindings_insert_access AFTER INSERT ON role_bindings FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER role_bindings_update_access AFTER UPDATE ON role_bindings FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER role_bindings_delete_access AFTER DELETE ON role_bindings FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER role_permissions_insert_access AFTER INSERT ON role_permissions FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER role_permissions_update_access AFTER UPDATE ON role_permissions FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER role_permissions_delete_access AFTER DELETE ON role_permissions FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER settings_insert_access AFTER INSERT ON settings FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER settings_update_access AFTER UPDATE ON settings FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER settings_delete_access AFTER DELETE ON settings FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER ip_rules_insert_access AFTER INSERT ON ip_rules FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER ip_rules_update_access AFTER UPDATE ON ip_rules FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER ip_rules_delete_access AFTER DELETE ON ip_rules FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER sessions_delete_access AFTER DELETE ON sessions FOR EACH ROW UPDATE access_generation SET value = value + 1 WHERE id = 1;
CREATE TRIGGER sessions_user_access AFTER UPDATE ON sessions FOR EACH ROW BEGIN IF NOT (OLD.user_id <=> NEW.user_id) THEN UPDATE access_generation SET value = value + 1 WHERE id = 1; END IF; END;
