"""Districts and cities of the region, their delegates and quotas."""
