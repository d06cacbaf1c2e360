"""An Open311 GeoReport v2 server at /open311/v2/, with FixMyStreet's service request
updates: the categories of a hub's published pledges are its services, its reports are
service requests. See docs/open311.md."""
