"""SparkSession factory (local, Glue, EMR) and Delta JAR detection."""
