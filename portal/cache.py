"""The Redis cache backend, with one client per connection pool instead of one per call.

Django's backend builds a ``redis.Redis`` for every operation; building one fills its table of
response callbacks, about as long as the round trip itself (0.09 ms here, against 0.1 ms for a
GET on loopback). A client holds no connection of its own (the pool does) and is safe to share,
so it is made once per pool; the cache handler already gives each thread its own backend.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _Client(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client
