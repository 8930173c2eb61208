SELECT coalesce(json_agg(json_build_object('id', id, 'name', name) ORDER BY id), '[]')
FROM boards;
