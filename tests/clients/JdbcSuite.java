// Client suite: pgjdbc (Debian's libpostgresql-jdbc-java) against a running aisle server.
//
// Usage (single-file source launch, no build step):
//   AISLE_PORT=5433 AISLE_PASSWORD=... AISLE_TLS_CERT=cert.pem \
//     java -cp /usr/share/java/postgresql.jar tests/clients/JdbcSuite.java
// The server runs `--demo`, where every demo user (admin, analyst, ...) has AISLE_PASSWORD.
// AISLE_TLS_CERT is the server's certificate; when set, the TLS checks connect with
// sslmode=require and sslmode=verify-full against it. Prints `ok NAME` / `FAILED NAME` lines
// and `N passed, N failed`; exits non-zero on any failure.
import java.math.BigDecimal;
import java.sql.*;
import java.time.LocalDate;
import java.util.*;
import java.util.concurrent.*;

public class JdbcSuite {
    static final String HOST = env("AISLE_HOST", "127.0.0.1");
    static final String PORT = env("AISLE_PORT", "5433");
    static final String PASSWORD = env("AISLE_PASSWORD", "admin-demo");
    static final String CERT = env("AISLE_TLS_CERT", "");
    static int passed = 0, failed = 0;

    static String env(String k, String d) {
        String v = System.getenv(k);
        return v == null || v.isEmpty() ? d : v;
    }

    interface Check {
        void run() throws Exception;
    }

    static void check(String name, Check c) {
        try {
            c.run();
            passed++;
            System.out.println("ok      " + name);
        } catch (Throwable e) {
            failed++;
            System.out.println("FAILED  " + name + ": " + e);
            e.printStackTrace(System.out);
        }
    }

    static void require(boolean cond, String what) {
        if (!cond) throw new AssertionError(what);
    }

    static void equal(Object got, Object want, String what) {
        if (!Objects.equals(got, want))
            throw new AssertionError(what + ": got <" + got + "> (" + (got == null ? "null" : got.getClass().getSimpleName())
                    + "), want <" + want + ">");
    }

    static Connection connect(String user, String extra) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", PASSWORD);
        String url = "jdbc:postgresql://" + HOST + ":" + PORT + "/aisle?" + extra;
        return DriverManager.getConnection(url, p);
    }

    static Connection admin() throws SQLException {
        return connect("admin", "sslmode=disable");
    }

    /** Runs `body`, which must fail with `sqlstate`; returns the exception. */
    static SQLException expectState(String sqlstate, Check body) throws Exception {
        try {
            body.run();
        } catch (SQLException e) {
            equal(e.getSQLState(), sqlstate, "SQLSTATE of " + e.getMessage());
            return e;
        }
        throw new AssertionError("expected SQLSTATE " + sqlstate + ", statement succeeded");
    }

    static Object one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            require(rs.next(), "one row from " + sql);
            return rs.getObject(1);
        }
    }

    static List<String> column(ResultSet rs, String name) throws SQLException {
        List<String> out = new ArrayList<>();
        try (rs) {
            while (rs.next()) out.add(rs.getString(name));
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        check("jdbc scram login", () -> {
            try (Connection c = admin()) {
                equal(one(c, "SELECT current_user"), "admin", "current_user");
                String v = c.getMetaData().getDatabaseProductVersion();
                require(v.startsWith("16."), "server version " + v);
                equal(c.unwrap(org.postgresql.PGConnection.class).getParameterStatus("standard_conforming_strings"),
                        "on", "standard_conforming_strings reported");
            }
        });
        check("jdbc wrong password is 28P01", () -> {
            Properties p = new Properties();
            p.setProperty("user", "admin");
            p.setProperty("password", "not-the-password");
            expectState("28P01", () -> DriverManager.getConnection(
                    "jdbc:postgresql://" + HOST + ":" + PORT + "/aisle?sslmode=disable", p).close());
        });
        if (!CERT.isEmpty()) {
            check("jdbc scram over tls (require)", () -> {
                try (Connection c = connect("analyst", "sslmode=require")) {
                    equal(one(c, "SELECT count(*) FROM stores") instanceof Long, true, "count is a bigint");
                    equal(one(c, "SELECT current_user"), "analyst", "current_user");
                }
            });
            check("jdbc scram over tls (verify-full)", () -> {
                try (Connection c = connect("admin", "sslmode=verify-full&sslrootcert=" + CERT)) {
                    equal(one(c, "SELECT 1"), 1, "select 1");
                }
            });
        }

        check("jdbc metadata catalogs and schemas", () -> {
            try (Connection c = admin()) {
                DatabaseMetaData md = c.getMetaData();
                require(column(md.getCatalogs(), "TABLE_CAT").contains("aisle"), "getCatalogs has aisle");
                List<String> schemas = column(md.getSchemas(), "TABLE_SCHEM");
                require(schemas.contains("public"), "getSchemas has public: " + schemas);
                require(schemas.contains("pg_catalog"), "getSchemas has pg_catalog: " + schemas);
                // what DBeaver asks first
                require(!column(md.getTableTypes(), "TABLE_TYPE").isEmpty(), "getTableTypes");
                require(md.getTypeInfo().next(), "getTypeInfo has rows");
            }
        });
        check("jdbc metadata tables with remarks", () -> {
            try (Connection c = admin()) {
                DatabaseMetaData md = c.getMetaData();
                Map<String, String> remarks = new HashMap<>();
                Map<String, String> types = new HashMap<>();
                try (ResultSet rs = md.getTables(null, "public", "%", new String[]{"TABLE", "VIEW"})) {
                    while (rs.next()) {
                        remarks.put(rs.getString("TABLE_NAME"), rs.getString("REMARKS"));
                        types.put(rs.getString("TABLE_NAME"), rs.getString("TABLE_TYPE"));
                    }
                }
                equal(types.get("stores"), "TABLE", "stores is a table");
                require(types.containsKey("sales_lines"), "sales_lines listed: " + types.keySet());
                require(types.containsValue("VIEW"), "views listed: " + types);
                String r = remarks.get("stores");
                require(r != null && r.startsWith("Every location of the chain"), "stores REMARKS: " + r);
            }
        });
        check("jdbc metadata columns with types and remarks", () -> {
            try (Connection c = admin()) {
                DatabaseMetaData md = c.getMetaData();
                Map<String, String[]> cols = new LinkedHashMap<>();
                try (ResultSet rs = md.getColumns(null, "public", "stores", "%")) {
                    while (rs.next())
                        cols.put(rs.getString("COLUMN_NAME"), new String[]{
                                rs.getString("TYPE_NAME"), String.valueOf(rs.getInt("DATA_TYPE")),
                                rs.getString("REMARKS"), rs.getString("IS_NULLABLE"),
                                String.valueOf(rs.getInt("ORDINAL_POSITION"))});
                }
                require(cols.size() >= 9, "stores has its columns: " + cols.keySet());
                equal(cols.get("store_id")[0], "int4", "store_id TYPE_NAME");
                equal(cols.get("store_id")[1], String.valueOf(Types.INTEGER), "store_id DATA_TYPE");
                equal(cols.get("store_id")[4], "1", "store_id ORDINAL_POSITION");
                equal(cols.get("name")[0], "text", "name TYPE_NAME");
                equal(cols.get("opened_date")[1], String.valueOf(Types.DATE), "opened_date DATA_TYPE");
                equal(cols.get("latitude")[0], "float8", "latitude TYPE_NAME");
                equal(cols.get("serving_dc_id")[3], "YES", "serving_dc_id nullable");
                equal(cols.get("store_id")[3], "NO", "store_id not nullable");
                String r = cols.get("store_id")[2];
                require(r != null && r.startsWith("Location identifier"), "store_id REMARKS: " + r);
            }
        });
        check("jdbc metadata primary keys and indexes", () -> {
            try (Connection c = admin()) {
                DatabaseMetaData md = c.getMetaData();
                // Parquet tables declare no keys: the calls must work and return nothing.
                try (ResultSet rs = md.getPrimaryKeys(null, "public", "stores")) {
                    require(!rs.next(), "no primary key");
                }
                try (ResultSet rs = md.getIndexInfo(null, "public", "stores", false, true)) {
                    require(!rs.next(), "no index");
                }
                try (ResultSet rs = md.getImportedKeys(null, "public", "stores")) {
                    require(!rs.next(), "no foreign key");
                }
            }
        });
        check("jdbc metadata functions with remarks", () -> {
            try (Connection c = admin()) {
                DatabaseMetaData md = c.getMetaData();
                Map<String, String> fns = new HashMap<>();
                try (ResultSet rs = md.getFunctions(null, "public", "%")) {
                    while (rs.next()) fns.put(rs.getString("FUNCTION_NAME"), rs.getString("REMARKS"));
                }
                require(fns.containsKey("eoq"), "eoq listed: " + fns.keySet());
                require(fns.containsKey("demand_class"), "demand_class listed");
                // like PostgreSQL, getFunctions lists functions (prokind 'f'); aggregates are in pg_proc
                equal(one(c, "SELECT prokind FROM pg_catalog.pg_proc WHERE proname = 'forecast'"), "a", "forecast is an aggregate");
                String r = fns.get("eoq");
                require(r != null && r.startsWith("Economic order quantity"), "eoq REMARKS: " + r);
                try (ResultSet rs = md.getFunctions(null, "public", "eoq")) {
                    require(rs.next(), "getFunctions(eoq)");
                    require(!rs.next(), "exactly one eoq");
                }
            }
        });

        check("jdbc types", () -> {
            try (Connection c = admin(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT 1::SMALLINT, 2::INT, 3::BIGINT, 1.5::REAL, 2.5::DOUBLE, true, "
                         + "'txt', DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05.123', "
                         + "CAST(12.34 AS DECIMAL(10,2)), make_array(1, 2), NULL::INT AS n1, NULL::TEXT AS n2, "
                         + "TIMESTAMPTZ '2024-01-02 03:04:05+00'")) {
                ResultSetMetaData m = rs.getMetaData();
                equal(m.getColumnTypeName(1), "int2", "smallint type");
                equal(m.getColumnTypeName(3), "int8", "bigint type");
                equal(m.getColumnTypeName(10), "numeric", "decimal type");
                equal(m.getPrecision(10), 10, "decimal precision");
                equal(m.getScale(10), 2, "decimal scale");
                require(rs.next(), "a row");
                equal(rs.getShort(1), (short) 1, "smallint");
                equal(rs.getObject(2), 2, "int");
                equal(rs.getObject(3), 3L, "bigint");
                equal(rs.getFloat(4), 1.5f, "real");
                equal(rs.getObject(5), 2.5, "double");
                equal(rs.getObject(6), true, "bool");
                equal(rs.getObject(7), "txt", "text");
                equal(rs.getObject(8, LocalDate.class), LocalDate.of(2024, 1, 2), "date");
                equal(rs.getTimestamp(9).toString(), "2024-01-02 03:04:05.123", "timestamp");
                equal(rs.getBigDecimal(10), new BigDecimal("12.34"), "decimal");
                Array a = rs.getArray(11);
                equal(Arrays.toString((Object[]) a.getArray()), "[1, 2]", "array");
                equal(rs.getObject(12), null, "null int");
                require(rs.wasNull(), "wasNull");
                equal(rs.getObject(13), null, "null text");
                equal(rs.getObject(14, java.time.OffsetDateTime.class).toInstant(),
                        java.time.Instant.parse("2024-01-02T03:04:05Z"), "timestamptz");
            }
        });
        check("jdbc query a table", () -> {
            try (Connection c = admin(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT store_id, name, opened_date, latitude FROM stores ORDER BY store_id")) {
                int n = 0;
                while (rs.next()) {
                    n++;
                    equal(rs.getInt(1), n, "store ids 1..");
                    require(rs.getString(2) != null && rs.getDate(3) != null, "name and date");
                }
                require(n >= 4, "stores rows: " + n);
            }
        });

        check("jdbc prepared statements with parameters", () -> {
            // prepareThreshold=1: server-side prepared statements and binary transfer from the first use
            for (String extra : new String[]{"sslmode=disable", "sslmode=disable&prepareThreshold=1&binaryTransfer=true"}) {
                try (Connection c = connect("admin", extra);
                     PreparedStatement ps = c.prepareStatement(
                             "SELECT ?::BIGINT + 1, ? || 'x', ?::DOUBLE * 2, ?::DATE, ?::BOOLEAN, CAST(? AS DECIMAL(10,2)), ?::INT IS NULL")) {
                    for (int i = 0; i < 3; i++) { // repeat: pgjdbc switches to named statements after the threshold
                        ps.setLong(1, 41 + i);
                        ps.setString(2, "a" + i);
                        ps.setDouble(3, 1.25);
                        ps.setDate(4, java.sql.Date.valueOf("2024-02-29"));
                        ps.setBoolean(5, true);
                        ps.setBigDecimal(6, new BigDecimal("3.50"));
                        ps.setNull(7, Types.INTEGER);
                        try (ResultSet rs = ps.executeQuery()) {
                            require(rs.next(), "row");
                            equal(rs.getLong(1), 42L + i, extra + " bigint param");
                            equal(rs.getString(2), "a" + i + "x", extra + " text param");
                            equal(rs.getDouble(3), 2.5, extra + " double param");
                            equal(rs.getDate(4).toString(), "2024-02-29", extra + " date param");
                            equal(rs.getBoolean(5), true, extra + " bool param");
                            equal(rs.getBigDecimal(6).compareTo(new BigDecimal("3.5")), 0, extra + " decimal param");
                            equal(rs.getBoolean(7), true, extra + " null param");
                        }
                    }
                }
                try (Connection c = connect("admin", extra);
                     PreparedStatement ps = c.prepareStatement(
                             "SELECT count(*) FROM stores WHERE store_id <= ? AND format = ?")) {
                    ps.setInt(1, 3);
                    ps.setString(2, "store");
                    try (ResultSet rs = ps.executeQuery()) {
                        require(rs.next(), "row");
                        long n = rs.getLong(1);
                        require(n >= 1 && n <= 3, extra + " filtered count " + n);
                    }
                    ps.setInt(1, 0);
                    try (ResultSet rs = ps.executeQuery()) {
                        require(rs.next(), "row");
                        equal(rs.getLong(1), 0L, extra + " no store_id <= 0");
                    }
                }
                try (Connection c = connect("admin", extra);
                     PreparedStatement ps = c.prepareStatement("SELECT eoq(?, ?, ?)")) {
                    ps.setDouble(1, 12000);
                    ps.setDouble(2, 4000);
                    ps.setDouble(3, 100);
                    try (ResultSet rs = ps.executeQuery()) {
                        require(rs.next(), "row");
                        require(Math.abs(rs.getDouble(1) - 979.795897) < 1e-5, extra + " eoq " + rs.getDouble(1));
                    }
                    ps.setDouble(3, 0);
                    expectState("22023", () -> ps.executeQuery().close());
                }
            }
        });

        check("jdbc errors carry sqlstate", () -> {
            try (Connection c = admin(); Statement s = c.createStatement()) {
                expectState("42601", () -> s.executeQuery("SELEC 1").close());
                expectState("42P01", () -> s.executeQuery("SELECT * FROM no_such_table").close());
                expectState("42703", () -> s.executeQuery("SELECT no_such_column FROM stores").close());
                expectState("42883", () -> s.executeQuery("SELECT no_such_function(1)").close());
                SQLException e = expectState("22023", () -> s.executeQuery("SELECT eoq(100, 10, 0)").close());
                require(e.getMessage().contains("eoq"), "message names the function: " + e.getMessage());
                // the connection is still usable after errors
                equal(one(c, "SELECT 2"), 2, "after errors");
                // inside a transaction: 25P02 until rollback
                c.setAutoCommit(false);
                expectState("42P01", () -> s.executeQuery("SELECT * FROM no_such_table").close());
                expectState("25P02", () -> s.executeQuery("SELECT 1").close());
                c.rollback();
                equal(one(c, "SELECT 3"), 3, "after rollback");
            }
            try (Connection c = connect("analyst", "sslmode=disable"); Statement s = c.createStatement()) {
                expectState("42501", () -> s.execute("CREATE VIEW v_jdbc AS SELECT 1"));
            }
        });

        check("jdbc cancel", () -> {
            try (Connection c = admin(); Statement s = c.createStatement()) {
                ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor();
                ex.schedule(() -> {
                    try {
                        s.cancel();
                    } catch (SQLException e) {
                        throw new RuntimeException(e);
                    }
                }, 700, TimeUnit.MILLISECONDS);
                long t0 = System.nanoTime();
                expectState("57014", () -> s.executeQuery("SELECT max(value * 2) FROM range(10000000000)").close());
                ex.shutdown();
                require((System.nanoTime() - t0) / 1e9 < 15, "cancel was prompt");
                equal(one(c, "SELECT 4"), 4, "usable after cancel");
            }
        });
        check("jdbc query timeout", () -> {
            try (Connection c = admin(); Statement s = c.createStatement()) {
                s.setQueryTimeout(1);
                long t0 = System.nanoTime();
                expectState("57014", () -> s.executeQuery("SELECT max(value * 2) FROM range(10000000000)").close());
                require((System.nanoTime() - t0) / 1e9 < 15, "timeout was prompt");
                s.setQueryTimeout(0);
                equal(one(c, "SELECT 5"), 5, "usable after timeout");
                // statement_timeout as a setting
                s.execute("SET statement_timeout = 500");
                expectState("57014", () -> s.executeQuery("SELECT max(value * 2) FROM range(10000000000)").close());
                s.execute("SET statement_timeout = 0");
            }
        });
        check("jdbc fetch size streams", () -> {
            try (Connection c = admin()) {
                c.setAutoCommit(false); // pgjdbc uses a portal with fetch size only outside autocommit
                try (Statement s = c.createStatement()) {
                    s.setFetchSize(1000);
                    long n = 0, sum = 0;
                    try (ResultSet rs = s.executeQuery("SELECT value FROM range(500000)")) {
                        while (rs.next()) {
                            n++;
                            sum += rs.getLong(1);
                        }
                    }
                    equal(n, 500000L, "rows");
                    equal(sum, 499999L * 500000L / 2, "sum");
                    // a second cursor on the same connection, closed early
                    try (ResultSet rs = s.executeQuery("SELECT value FROM range(1000000)")) {
                        for (int i = 0; i < 10; i++) require(rs.next(), "row " + i);
                    }
                    equal(one(c, "SELECT 6"), 6, "usable after an early close");
                }
                c.commit();
            }
        });
        check("jdbc batch of statements and updates", () -> {
            try (Connection c = admin(); Statement s = c.createStatement()) {
                // execute() with several result sets, as SQL editors send them
                require(s.execute("SELECT 1; SELECT 2"), "first is a result set");
                try (ResultSet rs = s.getResultSet()) {
                    require(rs.next(), "row");
                    equal(rs.getInt(1), 1, "first");
                }
                require(s.getMoreResults(), "second result set");
                try (ResultSet rs = s.getResultSet()) {
                    require(rs.next(), "row");
                    equal(rs.getInt(1), 2, "second");
                }
            }
        });

        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
