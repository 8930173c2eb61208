INSERT INTO boards (name) VALUES (:'name')
RETURNING json_build_object('id', id, 'name', name);
