"""The API's requests and responses, declared once as pydantic models: they validate the
request bodies and parameters and make the schemas of the OpenAPI document. Their docstrings
and field descriptions are the document's text, in French."""
