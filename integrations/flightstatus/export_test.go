package flightstatus

// SchemaProperties reads openapi.yaml for the contract tests of the fake.
var SchemaProperties = schemaProperties
