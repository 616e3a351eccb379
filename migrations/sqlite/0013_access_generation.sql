-- The access generation (issue 12 item 7): one number that every change to
-- what decides a request (users, roles and their permissions, bindings,
-- settings, login IP rules, a session that ends or changes hands) moves on, in the same
-- transaction, by trigger, so no code path can forget it. Each request
-- reads it with its session; a replica's cached principals are used only
-- while it stands still, so a revoked grant or session takes effect on the
-- very next request on every replica.
CREATE TABLE access_generation (
    id    INTEGER PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO access_generation (id, value) VALUES (1, 0);
CREATE TRIGGER users_insert_access AFTER INSERT ON users BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER users_update_access AFTER UPDATE ON users BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER users_delete_access AFTER DELETE ON users BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER roles_insert_access AFTER INSERT ON roles BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER roles_update_access AFTER UPDATE ON roles BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER roles_delete_access AFTER DELETE ON roles BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_bindings_insert_access AFTER INSERT ON role_bindings BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_bindings_update_access AFTER UPDATE ON role_bindings BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_bindings_delete_access AFTER DELETE ON role_bindings BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_permissions_insert_access AFTER INSERT ON role_permissions BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_permissions_update_access AFTER UPDATE ON role_permissions BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER role_permissions_delete_access AFTER DELETE ON role_permissions BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER settings_insert_access AFTER INSERT ON settings BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER settings_update_access AFTER UPDATE ON settings BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER settings_delete_access AFTER DELETE ON settings BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER ip_rules_insert_access AFTER INSERT ON ip_rules BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER ip_rules_update_access AFTER UPDATE ON ip_rules BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER ip_rules_delete_access AFTER DELETE ON ip_rules BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER sessions_delete_access AFTER DELETE ON sessions BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
CREATE TRIGGER sessions_user_access AFTER UPDATE OF user_id ON sessions WHEN OLD.user_id IS NOT NEW.user_id BEGIN UPDATE access_generation SET value = value + 1 WHERE id = 1; END;
